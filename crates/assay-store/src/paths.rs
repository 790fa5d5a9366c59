//! File paths in the store. A path whose bytes are UTF-8 is stored as
//! text; any other (Unix file names may hold any bytes) as a blob of its
//! bytes, so every file that was imported can be opened again.

use std::path::{Path, PathBuf};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A path as stored in the `path` columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredPath(pub PathBuf);

impl ToSql for StoredPath {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0.to_str() {
            Some(text) => ToSqlOutput::from(text),
            None => ToSqlOutput::from(path_bytes(&self.0)),
        })
    }
}

impl FromSql for StoredPath {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(t) | ValueRef::Blob(t) => Ok(StoredPath(path_from_bytes(t))),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_paths_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute("CREATE TABLE t (path TEXT)", []).unwrap();
        let odd = PathBuf::from(std::ffi::OsStr::from_bytes(b"/data/caf\xe9.jpg"));
        for p in [PathBuf::from("/data/café.jpg"), odd] {
            conn.execute("DELETE FROM t", []).unwrap();
            conn.execute("INSERT INTO t VALUES (?1)", [StoredPath(p.clone())])
                .unwrap();
            let back: StoredPath = conn
                .query_row("SELECT path FROM t", [], |r| r.get(0))
                .unwrap();
            assert_eq!(back.0, p);
        }
    }
}
