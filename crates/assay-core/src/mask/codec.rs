//! COCO's compressed RLE strings (`rleToString` / `rleFrString`).
//!
//! Each count is written as a little-endian sequence of 5-bit groups, one
//! character per group (`'0' + group`, with `0x20` set while more groups
//! follow and `0x10` of the last group as the sign). From the fourth count on
//! the value written is the difference to the count two places earlier.

use super::MaskError;

/// Characters in one value: enough for any difference of two `u32` counts.
const MAX_CHARS: usize = 7;

/// Difference coding as maskApi applies it: only for indices above 2.
fn delta_base(counts: &[u32], index: usize) -> i64 {
    if index > 2 {
        i64::from(counts[index - 2])
    } else {
        0
    }
}

/// `rleToString`: the compressed form of `counts`.
pub(super) fn encode(counts: &[u32]) -> String {
    let mut out = String::with_capacity(counts.len() * 2);
    for (index, &count) in counts.iter().enumerate() {
        let mut x = i64::from(count) - delta_base(counts, index);
        loop {
            let mut group = (x & 0x1f) as u8;
            x >>= 5;
            let more = if group & 0x10 != 0 { x != -1 } else { x != 0 };
            if more {
                group |= 0x20;
            }
            out.push(char::from(b'0' + group));
            if !more {
                break;
            }
        }
    }
    out
}

/// Read one value starting at byte `start`; returns it and the next offset.
fn read_value(bytes: &[u8], start: usize) -> Result<(i64, usize), MaskError> {
    let mut x = 0i64;
    for k in 0..MAX_CHARS {
        let offset = start + k;
        let byte = *bytes.get(offset).ok_or(MaskError::Truncated { offset })?;
        if !(b'0'..=b'o').contains(&byte) {
            return Err(MaskError::InvalidChar { offset, byte });
        }
        let group = i64::from(byte - b'0');
        x |= (group & 0x1f) << (5 * k);
        if group & 0x20 == 0 {
            if group & 0x10 != 0 {
                x |= -1i64 << (5 * (k + 1));
            }
            return Ok((x, offset + 1));
        }
    }
    Err(MaskError::Overflow {
        offset: start + MAX_CHARS - 1,
    })
}

/// `rleFrString`: the counts of a compressed string, checked character by
/// character and required to stay within `u32`.
pub(super) fn decode(s: &str) -> Result<Vec<u32>, MaskError> {
    let bytes = s.as_bytes();
    let mut counts = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let (x, next) = read_value(bytes, offset)?;
        let value = x + delta_base(&counts, counts.len());
        let count = u32::try_from(value).map_err(|_| MaskError::Overflow { offset: next - 1 })?;
        counts.push(count);
        offset = next;
    }
    Ok(counts)
}
