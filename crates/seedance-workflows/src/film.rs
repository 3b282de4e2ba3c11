//! A film: a chain whose segments are stitched into one video, recorded in
//! the run's manifest and shown on its storyboard. The sequence every front
//! end would otherwise repeat (check the tools before paying, run the chain,
//! refuse stale links, stitch, record, redraw the page) in one call.
//!
//! ```no_run
//! use seedance_sim::{SimConfig, SimTransport};
//! use seedance_transport::Client;
//! use seedance_workflows::{FilmOptions, Plan, StitchOptions, make_film};
//!
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let (plan, _warnings) = Plan::from_json(&serde_json::json!({
//!     "segments": [{"prompt": "A paper boat sets off"}, {"prompt": "It reaches the sea"}]
//! }))?;
//! let client = Client::new(SimTransport::with_config(SimConfig::quick()));
//! let options = FilmOptions {
//!     stitch: Some(StitchOptions::default()),
//!     ..FilmOptions::default()
//! };
//! let film = make_film(&client, &plan, "out/boat".as_ref(), &options).await?;
//! println!("{}", film.film.unwrap().display());
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use seedance_core::digest::DigestAlgorithm;
use seedance_transport::Client;

use crate::chain::{ChainOptions, ChainOutcome, run_chain};
use crate::error::WorkflowError;
use crate::layout::RunLayout;
use crate::lock::OutputLock;
use crate::manifest::{ManifestError, ManifestStore};
use crate::plan::Plan;
use crate::records::FileRecord;
use crate::stitch::{StitchOptions, check_tools, stitch};

/// How a film is made.
#[derive(Debug, Clone, Default)]
pub struct FilmOptions {
    /// How the chain runs.
    pub chain: ChainOptions,
    /// Stitch the segments into `final.mp4` (`None`: the segments only).
    pub stitch: Option<StitchOptions>,
    /// Stitch even when a segment's first frame does not continue the
    /// selected take before it (after a regeneration that kept the
    /// segments downstream).
    pub accept_stale: bool,
}

impl FilmOptions {
    /// What can be checked before anything is paid for: the tools stitching
    /// needs. [`make_film`] checks it too; a front end may call it earlier
    /// (before asking the user to confirm a cost).
    pub fn check(&self) -> Result<(), WorkflowError> {
        match &self.stitch {
            Some(s) => Ok(check_tools(s.drop_seam_frame)?),
            None => Ok(()),
        }
    }
}

/// A finished film.
#[derive(Debug, Clone)]
pub struct Film {
    /// The chain as it ended: the manifest and every segment's video.
    pub chain: ChainOutcome,
    /// The stitched film, when stitching was asked for.
    pub film: Option<PathBuf>,
}

/// Runs (or resumes) `plan` into `out_dir` and, with `options.stitch`,
/// stitches the segments into `final.mp4`, records it in the manifest
/// (`stitched`, with its digest) and redraws the storyboard so it shows the
/// film. Stale links stop the stitch with [`WorkflowError::StaleLinks`]
/// unless `accept_stale`; the segments are kept either way.
pub async fn make_film(
    client: &Client,
    plan: &Plan,
    out_dir: &Path,
    options: &FilmOptions,
) -> Result<Film, WorkflowError> {
    // Before paying, not after every segment.
    options.check()?;
    let chain = run_chain(client, plan, out_dir, &options.chain).await?;
    let Some(stitch_options) = &options.stitch else {
        return Ok(Film { chain, film: None });
    };
    let stale = chain.manifest.stale_links();
    if !stale.is_empty() && !options.accept_stale {
        return Err(WorkflowError::StaleLinks { segments: stale });
    }
    let film = out_dir.join(RunLayout::FILM);
    stitch(&chain.videos, &film, stitch_options).await?;
    let dir = out_dir.to_owned();
    tokio::task::spawn_blocking(move || record_film(&dir))
        .await
        .map_err(|e| ManifestError::Io {
            path: out_dir.to_owned(),
            source: std::io::Error::other(e),
        })??;
    // The page shows the film now that it exists.
    crate::storyboard::write_async(out_dir).await;
    Ok(Film {
        chain,
        film: Some(film),
    })
}

/// Records `final.mp4` in the run's manifest, with its size and digest
/// (blocking: reads the film, rewrites the manifest under the lock).
fn record_film(dir: &Path) -> Result<(), WorkflowError> {
    use std::io::Read;
    let path = dir.join(RunLayout::FILM);
    let io = |source| ManifestError::Io {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::File::open(&path).map_err(io)?;
    let mut hasher = seedance_transport::DigestStream::new(DigestAlgorithm::Blake3);
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let record = FileRecord {
        path: RunLayout::FILM.to_owned(),
        bytes,
        digest: hasher.finish(),
    };
    let _lock = OutputLock::acquire(dir)?;
    let store = ManifestStore::open_existing(dir)?;
    store.update(|m| m.stitched = Some(record))?;
    Ok(())
}
