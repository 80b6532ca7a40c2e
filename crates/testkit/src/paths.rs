//! Where things are: the workspace, its Python, a fresh folder per test.

use std::path::{Path, PathBuf};

/// The workspace folder (the one with `Cargo.lock`).
///
/// Found at run time from the manifest folder cargo gives the test process, not baked in at
/// compile time: cargo reuses a testkit compiled in another checkout of the workspace (it
/// hashes path dependencies relative to the workspace and judges freshness by file times),
/// and a baked-in path would point into that other checkout.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    start
        .ancestors()
        .find(|folder| folder.join("Cargo.lock").is_file())
        .map(Path::to_path_buf)
        .expect("the tests run inside the workspace, which has a Cargo.lock")
}

pub fn python() -> PathBuf {
    std::env::var_os("GUARDRAILS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"))
}

/// A fresh, empty directory for one test's files (under the system's temporary directory,
/// named after the test and this process).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("neptune-guardrails-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}
