//! numpy `.npz` archives: named arrays in a zip file, as `numpy.savez`
//! (stored) and `numpy.savez_compressed` (deflate) write them, and FID
//! reference statistics in pytorch-fid's layout (`mu`, `sigma`).
//!
//! Each member `NAME.npy` of the zip is a `.npy` file, read by the
//! [`crate::npy`] parser (same dtypes, values widened to `f64`); the array's
//! name is the member's name without `.npy`, as `numpy.load` gives it.
//! Members are decompressed one at a time, when asked for. Every error names
//! the file and, where it concerns one array, the entry (`entry 'sigma'`),
//! and says what was expected; nothing here panics on a file's contents.
//!
//! The writers produce archives `numpy.load` reads back: `f64` arrays, one
//! member each, stored or deflated.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::{read_file, IoError, Result};
use crate::npy::{self, NpyArray};

const ZIP_MAGIC: &[u8] = b"PK";
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// An `.npz` archive read into memory; its arrays are parsed on demand.
#[derive(Debug, Clone)]
pub struct NpzFile {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Member names in archive order, directories left out.
    members: Vec<String>,
}

impl NpzFile {
    /// Reads the archive at `path` and lists its members.
    ///
    /// Fails when the file is missing, is not a zip archive (a `.npy`
    /// file is named as such) or is truncated or damaged.
    pub fn open(path: &Path) -> Result<NpzFile> {
        let bytes = read_file(path)?;
        let zip = open_zip(path, &bytes)?;
        let members = member_names(path, &zip)?;
        Ok(NpzFile {
            path: path.to_path_buf(),
            bytes,
            members,
        })
    }

    /// The file the archive was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The array names in archive order: member names with `.npy` removed
    /// (a member without that suffix keeps its full name).
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| array_name(m)).collect()
    }

    /// Whether the archive holds an array called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.member_of(name).is_some()
    }

    /// The array called `name`, parsed from its member.
    ///
    /// The error names the file and the entry: missing (with the names
    /// there are), not a `.npy` member, damaged data, an unsupported dtype.
    pub fn array(&self, name: &str) -> Result<NpyArray> {
        let member = self.member_of(name).ok_or_else(|| self.missing(name))?;
        let bytes = self.member_bytes(member)?;
        let entry = entry_location(name);
        if !member.ends_with(".npy") {
            return Err(IoError::at(
                &self.path,
                entry,
                format!("member '{member}' is not a .npy array (its name lacks .npy)"),
            ));
        }
        npy::parse(&bytes).map_err(|m| IoError::at(&self.path, entry, m))
    }

    /// Every array, in archive order.
    pub fn arrays(&self) -> Result<Vec<(String, NpyArray)>> {
        self.names()
            .into_iter()
            .map(|name| Ok((name.to_string(), self.array(name)?)))
            .collect()
    }

    fn member_of(&self, name: &str) -> Option<&str> {
        let with_suffix = format!("{name}.npy");
        let found = self.members.iter().find(|m| **m == with_suffix);
        found
            .or_else(|| self.members.iter().find(|m| *m == name))
            .map(String::as_str)
    }

    fn missing(&self, name: &str) -> IoError {
        let names = self.names();
        let found = if names.is_empty() {
            "the archive is empty".to_string()
        } else {
            format!("it holds {}", quoted_list(&names))
        };
        IoError::at(
            &self.path,
            entry_location(name),
            format!("no array '{name}' in the archive ({found})"),
        )
    }

    /// The decompressed bytes of `member`, checked against its CRC.
    fn member_bytes(&self, member: &str) -> Result<Vec<u8>> {
        let location = entry_location(array_name(member));
        let damaged = |e: &dyn std::fmt::Display| {
            IoError::at(
                &self.path,
                location.clone(),
                format!("truncated or damaged member '{member}': {e}"),
            )
        };
        let mut zip = open_zip(&self.path, &self.bytes)?;
        let mut file = zip.by_name(member).map_err(|e| damaged(&e))?;
        // The declared size is only a hint: a damaged header must not make
        // us reserve gigabytes up front.
        let hint = usize::try_from(file.size()).unwrap_or(0).min(1 << 26);
        let mut out = Vec::with_capacity(hint);
        file.read_to_end(&mut out).map_err(|e| damaged(&e))?;
        Ok(out)
    }
}

/// Reads every array of the `.npz` archive at `path`, in archive order.
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>> {
    NpzFile::open(path)?.arrays()
}

/// How [`write_npz`] stores each member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NpzCompression {
    /// No compression, as `numpy.savez` writes.
    Stored,
    /// Deflate, as `numpy.savez_compressed` writes.
    #[default]
    Deflated,
}

/// One array to write: a name, a shape and its values in C order.
#[derive(Debug, Clone, Copy)]
pub struct NpzArray<'a> {
    /// The array's name (the member is `NAME.npy`).
    pub name: &'a str,
    /// The dimensions, outermost first (empty for a scalar).
    pub shape: &'a [usize],
    /// The values, row-major; as many as the shape holds.
    pub values: &'a [f64],
}

/// Writes `arrays` as `float64` members of an `.npz` archive at `path`.
///
/// Names must be non-empty, distinct and free of `/` and `\`; each shape
/// must hold exactly its values. Nothing is written when they are not.
pub fn write_npz(path: &Path, arrays: &[NpzArray<'_>], compression: NpzCompression) -> Result<()> {
    check_names(path, arrays)?;
    let members = arrays
        .iter()
        .map(|a| encode_f64(a).map_err(|m| IoError::at(path, entry_location(a.name), m)))
        .collect::<Result<Vec<_>>>()?;
    let file = File::create(path).map_err(|e| IoError::os(path, e))?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    let zip_err = |e: ZipError| IoError::file(path, format!("cannot write the archive: {e}"));
    for (array, bytes) in arrays.iter().zip(&members) {
        let options = SimpleFileOptions::default()
            .compression_method(method(compression))
            .large_file(bytes.len() >= u32::MAX as usize);
        zip.start_file(format!("{}.npy", array.name), options)
            .map_err(zip_err)?;
        zip.write_all(bytes).map_err(|e| IoError::os(path, e))?;
    }
    let mut out = zip.finish().map_err(zip_err)?;
    out.flush().map_err(|e| IoError::os(path, e))
}

fn method(compression: NpzCompression) -> CompressionMethod {
    match compression {
        NpzCompression::Stored => CompressionMethod::Stored,
        NpzCompression::Deflated => CompressionMethod::Deflated,
    }
}

fn encode_f64(array: &NpzArray<'_>) -> std::result::Result<Vec<u8>, String> {
    let data: Vec<u8> = array.values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy::encode("<f8", array.shape, array.values.len(), &data)
}

fn check_names(path: &Path, arrays: &[NpzArray<'_>]) -> Result<()> {
    for (i, array) in arrays.iter().enumerate() {
        let name = array.name;
        let problem = if name.is_empty() {
            Some("an array name must not be empty")
        } else if name.contains(['/', '\\']) {
            Some("an array name must not contain '/' or '\\'")
        } else if arrays[..i].iter().any(|a| a.name == name) {
            Some("two arrays have this name; names must be distinct")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(IoError::at(path, entry_location(name), problem));
        }
    }
    Ok(())
}

/// Opens the zip directory of `bytes`, explaining what the file is when it
/// is not a readable zip archive.
fn open_zip<'b>(path: &Path, bytes: &'b [u8]) -> Result<ZipArchive<Cursor<&'b [u8]>>> {
    if bytes.starts_with(NPY_MAGIC) {
        return Err(IoError::file(
            path,
            "not an .npz archive: this is a single .npy array; expected a zip \
             archive as numpy.savez writes",
        ));
    }
    if !bytes.starts_with(ZIP_MAGIC) {
        return Err(IoError::file(
            path,
            "not an .npz archive: expected a zip file (starting with PK) as \
             numpy.savez or numpy.savez_compressed write",
        ));
    }
    ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        IoError::file(
            path,
            format!("truncated or damaged .npz (zip) archive: {e}"),
        )
    })
}

fn member_names(path: &Path, zip: &ZipArchive<Cursor<&[u8]>>) -> Result<Vec<String>> {
    let names: std::result::Result<Vec<Cow<'_, str>>, ZipError> = zip.file_names().collect();
    let names = names.map_err(|e| {
        IoError::file(
            path,
            format!("damaged .npz archive: unreadable member name ({e})"),
        )
    })?;
    Ok(names
        .into_iter()
        .filter(|n| !n.ends_with('/'))
        .map(Cow::into_owned)
        .collect())
}

/// A member's array name: without `.npy` when it has that suffix.
fn array_name(member: &str) -> &str {
    member.strip_suffix(".npy").unwrap_or(member)
}

fn entry_location(name: &str) -> String {
    format!("entry '{name}'")
}

fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    quoted.join(", ")
}

/// FID reference statistics: the mean and covariance of a set's features,
/// as pytorch-fid saves them (`numpy.savez_compressed(path, mu=mu,
/// sigma=sigma)`).
#[derive(Debug, Clone, PartialEq)]
pub struct FidStats {
    /// The mean feature vector (length `d`).
    pub mu: Vec<f64>,
    /// The `d x d` covariance, row-major.
    pub sigma: Vec<f64>,
    /// Other numeric arrays of the archive (e.g. `n`, the sample count), in
    /// archive order; written after `mu` and `sigma`.
    pub extra: Vec<(String, NpyArray)>,
}

impl FidStats {
    /// The feature dimension `d`.
    pub fn dim(&self) -> usize {
        self.mu.len()
    }

    /// The extra array called `name`, if there is one.
    pub fn extra(&self, name: &str) -> Option<&NpyArray> {
        self.extra.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }
}

/// Reads FID statistics: `mu` (1-D, length `d`) and `sigma` (`d x d`), both
/// finite, in any numeric dtype (pytorch-fid writes `float64`).
///
/// Other arrays that parse as numbers are kept in [`FidStats::extra`];
/// members that do not (strings, objects) are left out.
pub fn read_fid_stats(path: &Path) -> Result<FidStats> {
    let npz = NpzFile::open(path)?;
    let mu = npz.array("mu")?;
    let sigma = npz.array("sigma")?;
    let d = mu_dim(path, &mu)?;
    check_sigma(path, &sigma.shape, d)?;
    check_finite(path, "mu", &mu.shape, &mu.values)?;
    check_finite(path, "sigma", &sigma.shape, &sigma.values)?;
    let extra = npz
        .names()
        .into_iter()
        .filter(|n| *n != "mu" && *n != "sigma")
        .filter_map(|n| npz.array(n).ok().map(|a| (n.to_string(), a)))
        .collect();
    Ok(FidStats {
        mu: mu.values,
        sigma: sigma.values,
        extra,
    })
}

/// Writes FID statistics as pytorch-fid does (deflated `float64` members
/// `mu` and `sigma`), then the extra arrays.
///
/// `mu` must be non-empty, `sigma` hold `d * d` values, both finite; extra
/// names must differ from `mu`, `sigma` and each other.
pub fn write_fid_stats(path: &Path, stats: &FidStats) -> Result<()> {
    let d = stats.mu.len();
    let (mu_shape, sigma_shape) = ([d], [d, d]);
    check_fid_sizes(path, stats)?;
    check_finite(path, "mu", &mu_shape, &stats.mu)?;
    check_finite(path, "sigma", &sigma_shape, &stats.sigma)?;
    let mut arrays = vec![
        NpzArray {
            name: "mu",
            shape: &mu_shape,
            values: &stats.mu,
        },
        NpzArray {
            name: "sigma",
            shape: &sigma_shape,
            values: &stats.sigma,
        },
    ];
    arrays.extend(stats.extra.iter().map(|(name, a)| NpzArray {
        name,
        shape: &a.shape,
        values: &a.values,
    }));
    write_npz(path, &arrays, NpzCompression::Deflated)
}

fn check_fid_sizes(path: &Path, stats: &FidStats) -> Result<()> {
    let d = stats.mu.len();
    if d == 0 {
        let message = "mu is empty; expected the mean of at least one feature";
        return Err(IoError::at(path, entry_location("mu"), message));
    }
    if stats.sigma.len() == d * d {
        return Ok(());
    }
    Err(IoError::at(
        path,
        entry_location("sigma"),
        format!(
            "expected {d} x {d} = {} values to match mu, got {}",
            d * d,
            stats.sigma.len()
        ),
    ))
}

fn mu_dim(path: &Path, mu: &NpyArray) -> Result<usize> {
    match mu.shape[..] {
        [d] if d > 0 => Ok(d),
        _ => Err(IoError::at(
            path,
            entry_location("mu"),
            format!(
                "expected a non-empty 1-D array (the mean feature vector), found shape {}",
                mu.shape_text()
            ),
        )),
    }
}

fn check_sigma(path: &Path, shape: &[usize], d: usize) -> Result<()> {
    if shape == [d, d] {
        return Ok(());
    }
    Err(IoError::at(
        path,
        entry_location("sigma"),
        format!(
            "expected shape ({d}, {d}) (the covariance of mu's {d} features), found {}",
            npy::shape_text(shape)
        ),
    ))
}

fn check_finite(path: &Path, name: &str, shape: &[usize], values: &[f64]) -> Result<()> {
    let Some(i) = values.iter().position(|v| !v.is_finite()) else {
        return Ok(());
    };
    Err(IoError::at(
        path,
        entry_location(name),
        format!(
            "element {} is {}; expected finite values",
            flat_index_text(shape, i),
            values[i]
        ),
    ))
}

/// A flat index as numpy's multi-index: `[3, 7]` for row 3, column 7.
fn flat_index_text(shape: &[usize], mut flat: usize) -> String {
    let mut index = vec![0; shape.len()];
    for (slot, &dim) in index.iter_mut().zip(shape).rev() {
        if dim > 0 {
            *slot = flat % dim;
            flat /= dim;
        }
    }
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("[{}]", parts.join(", "))
}
