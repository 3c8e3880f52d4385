//! Helpers shared by the workspace-level tests: where the workspace is, and
//! which files under `scenarios/` are scenarios.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Every scenario file, sorted (configuration folders skipped).
pub fn scenarios() -> Vec<PathBuf> {
    switchboard_sim::discover(&[root().join("scenarios")]).expect("scenarios/ is readable")
}

/// Whether a path under `scenarios/` is a scenario (not a shared configuration).
pub fn is_scenario(path: &Path) -> bool {
    !path.components().any(|c| c.as_os_str() == "configs")
}
