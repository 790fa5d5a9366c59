//! The demo's label errors against what the label checks find: the true
//! box of an object left without a label is kept in its injection's detail,
//! so that the tests score `missing_label` findings object by object.

/// A box as the demo's truth table writes it: `[x, y, w, h]`, one decimal.
pub fn box_text(b: [f64; 4]) -> String {
    format!("[{:.1}, {:.1}, {:.1}, {:.1}]", b[0], b[1], b[2], b[3])
}

#[cfg(test)]
mod tests;
