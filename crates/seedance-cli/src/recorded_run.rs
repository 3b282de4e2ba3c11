//! The run recorded in an output directory, read the one way the
//! workflows crate reads it ([`seedance_workflows::read_run`]: a batch's
//! journal replayed, else `manifest.json`), with the CLI's error when the
//! directory holds none. Every command that shows or changes a finished run
//! (`status DIR`, `takes`, `batch`'s summary) reads it here.

use std::path::Path;

use seedance_workflows::{Manifest, RunLayout};

use crate::failure::Failure;

/// The run in `dir`, or a usage error naming the files a run keeps.
pub(crate) fn read(dir: &Path) -> Result<Manifest, Failure> {
    seedance_workflows::read_run(dir)
        .map_err(|e| Failure::failed(format!("cannot read the run in {}: {e}", dir.display())))?
        .ok_or_else(|| {
            Failure::usage(format!(
                "{} holds no run (no {} or {}): give a chain's or batch's --out directory",
                dir.display(),
                RunLayout::MANIFEST,
                RunLayout::JOURNAL
            ))
        })
}
