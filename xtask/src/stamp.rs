//! Stamps: a small text file recording what a build step consumed, so the step is skipped when
//! nothing it reads has changed.

use std::fs;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};

/// What a step's output was built from: one readable line per input, compared as a whole.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Records a file by size and modification time: cheap, enough for inputs nobody edits in
    /// place within the same second-and-size (the source CSVs, the built catalog).
    pub fn file_metadata(&mut self, path: &Path) -> Result<()> {
        let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos());
        self.line(&format!("{} {} {modified}", path.display(), meta.len()));
        Ok(())
    }

    /// Records a file by a hash of its contents: for inputs that are rewritten with the same
    /// meaning (a relinked binary, a regenerated lock file).
    pub fn file_contents(&mut self, path: &Path) -> Result<()> {
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        // Not cryptographic, and free to change between Rust releases: a changed hash only means
        // one extra rebuild.
        let mut hasher = DefaultHasher::new();
        hasher.write(&bytes);
        self.line(&format!("{} {:016x}", path.display(), hasher.finish()));
        Ok(())
    }

    fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }
}

/// The stamp file of one step.
#[derive(Debug)]
pub struct Stamp {
    path: PathBuf,
}

impl Stamp {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// True when the last recorded fingerprint equals `current`.
    pub fn matches(&self, current: &Fingerprint) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|recorded| recorded == current.0)
    }

    pub fn record(&self, current: &Fingerprint) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::write(&self.path, &current.0)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_matches_until_an_input_changes() {
        let dir = std::env::temp_dir().join(format!("xtask-stamp-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (input, binary) = (dir.join("input.csv"), dir.join("tool"));
        fs::write(&input, "a,b\n1,2\n").unwrap();
        fs::write(&binary, "v1").unwrap();
        let fingerprint = || {
            let mut print = Fingerprint::default();
            print.file_metadata(&input).unwrap();
            print.file_contents(&binary).unwrap();
            print
        };
        let stamp = Stamp::new(dir.join("stamps").join("step.stamp"));

        assert!(!stamp.matches(&fingerprint()), "no stamp recorded yet");
        stamp.record(&fingerprint()).unwrap();
        assert!(stamp.matches(&fingerprint()));

        fs::write(&binary, "v2").unwrap();
        assert!(
            !stamp.matches(&fingerprint()),
            "same size, different contents"
        );
        stamp.record(&fingerprint()).unwrap();

        fs::write(&input, "a,b\n1,2\n3,4\n").unwrap();
        assert!(!stamp.matches(&fingerprint()), "the input grew");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_input_is_an_error_naming_it() {
        let missing = Path::new("/nonexistent/encore/input.csv");
        let err = Fingerprint::default().file_metadata(missing).unwrap_err();
        assert_eq!(err.to_string(), "cannot read /nonexistent/encore/input.csv");
    }
}
