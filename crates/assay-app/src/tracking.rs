//! What a tracked command run records besides its resource usage: the git
//! state of the working directory and the hashes of the files it was given.

use std::path::Path;
use std::process::Command;

/// The commit checked out in `dir` and whether its tracked files have
/// uncommitted changes; `(None, None)` outside a git repository or without
/// git.
pub fn git_state(dir: &Path) -> (Option<String>, Option<bool>) {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]) else {
        return (None, None);
    };
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    (Some(commit), dirty)
}

/// The arguments that name existing files, each with the BLAKE3 hash of
/// its content (files that cannot be read are left out).
pub fn input_hashes(args: &[String]) -> Vec<(String, String)> {
    args.iter()
        .filter(|a| Path::new(a).is_file())
        .filter_map(|a| {
            let mut hasher = blake3::Hasher::new();
            hasher.update_reader(std::fs::File::open(a).ok()?).ok()?;
            Some((a.clone(), hasher.finalize().to_hex().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_in_arguments_are_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, b"abc").unwrap();
        let args = vec![
            "quality".to_string(),
            file.to_str().unwrap().to_string(),
            dir.path().to_str().unwrap().to_string(),
        ];
        let hashes = input_hashes(&args);
        assert_eq!(hashes.len(), 1);
        assert_eq!(hashes[0].1, blake3::hash(b"abc").to_hex().to_string());
        // A temporary folder is in no repository.
        assert_eq!(git_state(dir.path()), (None, None));
    }
}
