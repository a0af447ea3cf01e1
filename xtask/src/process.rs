//! Running external programs: echo the command, inherit its output, and turn a failure into one
//! line that names the command.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// Runs `cmd` with the terminal as its output; an error if it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = describe(cmd);
    println!("    $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its standard output; an error if it fails.
pub fn capture(cmd: &mut Command) -> Result<String> {
    let shown = describe(cmd);
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !output.status.success() {
        bail!("`{shown}` failed ({})", output.status);
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{shown}` printed non-UTF-8 output"))
}

/// The first line `program --version` prints, or `None` when it is not installed or fails.
pub fn version_of(program: &Path) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    output
        .status
        .success()
        .then(|| text.lines().next().unwrap_or_default().trim().to_owned())
}

/// Where `program` would be found on `search_path` (the `PATH` format), like `which`.
pub fn which(program: &str, search_path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(search_path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The program and its arguments as one shell-like line, for logs and error messages.
fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or_else(|| cmd.get_program())
        .to_string_lossy()
        .into_owned();
    cmd.get_args().fold(program, |mut line, arg| {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
        line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_described_by_program_name_and_arguments() {
        let mut cmd = Command::new("/usr/bin/trunk");
        cmd.args(["build", "--release", "--public-url", "/encore/"]);
        assert_eq!(
            describe(&cmd),
            "trunk build --release --public-url /encore/"
        );
    }

    #[test]
    fn which_searches_the_path_in_order() {
        let dir = std::env::temp_dir().join(format!("xtask-which-{}", std::process::id()));
        let (first, second) = (dir.join("first"), dir.join("second"));
        for folder in [&first, &second] {
            std::fs::create_dir_all(folder).unwrap();
            std::fs::write(folder.join("tool"), "").unwrap();
        }
        let search_path = std::env::join_paths([&dir.join("missing"), &first, &second]).unwrap();
        assert_eq!(which("tool", &search_path), Some(first.join("tool")));
        assert_eq!(which("absent", &search_path), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
