//! Every name a run writes in its output directory, in one place: the
//! manifest and the batch journal, the lock, each job's video and last
//! frame, the kept takes under the job's own directory, the stitched film
//! and the storyboard page. The transport crate keeps only what a single
//! task needs (a task's file names, temporary names); what makes a
//! directory a *run* lives here.
//!
//! ```
//! use seedance_workflows::{ManifestKind, RunLayout};
//!
//! let run = RunLayout::new("out/film", ManifestKind::Chain);
//! assert_eq!(run.stem(3), "segment_003");
//! assert_eq!(run.video_path(3), std::path::Path::new("out/film/segment_003.mp4"));
//! assert_eq!(run.take_stem(3, 2), "segment_003/take_2");
//! assert_eq!(RunLayout::take_number("take_2.mp4"), Some(2));
//! ```

use std::path::{Path, PathBuf};

use seedance_transport::client as task_names;

use crate::records::ManifestKind;

/// The names of one run's files, relative to its output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLayout {
    dir: PathBuf,
    kind: ManifestKind,
}

impl RunLayout {
    /// The manifest: every job's record (a batch's snapshot of its journal).
    pub const MANIFEST: &'static str = "manifest.json";
    /// A batch's journal: one line per change of a job.
    pub const JOURNAL: &'static str = "journal.jsonl";
    /// The lock a running run holds on its directory.
    pub const LOCK: &'static str = ".seedance.lock";
    /// A chain's stitched film.
    pub const FILM: &'static str = "final.mp4";
    /// The storyboard page.
    pub const STORYBOARD: &'static str = "index.html";

    /// The layout of the `kind` run in `dir`.
    pub fn new(dir: impl Into<PathBuf>, kind: ManifestKind) -> Self {
        RunLayout {
            dir: dir.into(),
            kind,
        }
    }

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Chain or batch.
    pub fn kind(&self) -> ManifestKind {
        self.kind
    }

    /// `manifest.json` in the output directory.
    pub fn manifest(&self) -> PathBuf {
        self.dir.join(Self::MANIFEST)
    }

    /// `journal.jsonl` in the output directory.
    pub fn journal(&self) -> PathBuf {
        self.dir.join(Self::JOURNAL)
    }

    /// `final.mp4` in the output directory.
    pub fn film(&self) -> PathBuf {
        self.dir.join(Self::FILM)
    }

    /// `index.html` in the output directory.
    pub fn storyboard(&self) -> PathBuf {
        self.dir.join(Self::STORYBOARD)
    }

    /// The file stem of job `index`: `segment_003` in a chain, `job_0003`
    /// in a batch.
    pub fn stem(&self, index: usize) -> String {
        match self.kind {
            ManifestKind::Chain => segment_stem(index),
            ManifestKind::Batch => job_stem(index),
        }
    }

    /// The selected take's video of job `index` (`segment_003.mp4`).
    pub fn video_path(&self, index: usize) -> PathBuf {
        self.dir.join(video_file_name(&self.stem(index)))
    }

    /// The directory job `index` keeps its other takes in (`segment_003/`).
    pub fn takes_dir(&self, index: usize) -> PathBuf {
        self.dir.join(self.stem(index))
    }

    /// The stem of take `number` of job `index`, relative to the output
    /// directory (`segment_003/take_2`).
    pub fn take_stem(&self, index: usize, number: u32) -> String {
        take_stem(&self.stem(index), number)
    }

    /// The take number a file in a job's takes directory stands for
    /// (`take_2.mp4` is take 2); `None` for any other file.
    pub fn take_number(file_name: &str) -> Option<u32> {
        file_name
            .strip_prefix("take_")?
            .strip_suffix(".mp4")?
            .parse()
            .ok()
    }
}

/// File stem of chain segment `k` (`segment_003`).
pub fn segment_stem(k: usize) -> String {
    format!("segment_{k:03}")
}

/// File stem of batch job `k` (`job_0042`).
pub fn job_stem(k: usize) -> String {
    format!("job_{k:04}")
}

/// The stem of take `number` of the job with stem `stem`, relative to the
/// output directory: `segment_003/take_2` (every take but the selected one
/// lives in the job's own directory).
pub fn take_stem(stem: &str, number: u32) -> String {
    format!("{stem}/take_{number}")
}

/// The video of `stem` (`{stem}.mp4`): the same convention as a single
/// task's download, so a job's files read like a task's.
pub fn video_file_name(stem: &str) -> String {
    task_names::video_file_name(stem)
}

/// The last-frame image of `stem` (`{stem}_last_frame.png`).
pub fn last_frame_file_name(stem: &str) -> String {
    task_names::last_frame_file_name(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_numbers_are_read_back_from_the_names_take_stems_make() {
        let run = RunLayout::new("out", ManifestKind::Batch);
        assert_eq!(run.stem(42), "job_0042");
        let stem = run.take_stem(42, 7);
        let name = video_file_name(&stem);
        let file = name.rsplit('/').next().unwrap();
        assert_eq!(RunLayout::take_number(file), Some(7));
        assert_eq!(RunLayout::take_number("take_7_last_frame.png"), None);
        assert_eq!(RunLayout::take_number("take_x.mp4"), None);
    }
}
