//! # seedance-workflows
//!
//! Longer films from 4-15 second generations: a [`Plan`] (shot list) runs as
//! a chain in which each segment starts from the previous segment's last
//! frame (`return_last_frame`), and [`run_batch`] runs independent jobs.
//! Both keep a manifest in the output directory, written before every step,
//! so a run killed at any moment resumes without a duplicate paid submit and
//! without losing a paid result.
//!
//! ```
//! use seedance_sim::{SimConfig, SimTransport};
//! use seedance_transport::Client;
//! use seedance_workflows::{ChainOptions, Plan, run_chain};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
//! let plan = serde_json::json!({
//!     "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "duration": 4},
//!     "segments": [
//!         {"prompt": "A paper boat sets off down a gutter stream"},
//!         {"prompt": "The boat rides a small waterfall into a puddle"}
//!     ]
//! });
//! let (plan, _warnings) = Plan::from_json(&plan)?;
//! let client = Client::new(SimTransport::with_config(SimConfig::quick()));
//! let out = std::env::temp_dir().join(format!("seedance-doc-{}", std::process::id()));
//! let outcome = run_chain(&client, &plan, &out, &ChainOptions::default()).await?;
//! assert_eq!(outcome.videos.len(), 2);
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

pub mod batch;
pub mod chain;
pub mod changes;
pub mod error;
pub mod events;
pub mod film;
pub mod fit_frames;
pub mod fresh_file;
mod job;
mod journal;
pub mod layout;
pub mod local_media;
pub mod lock;
pub mod manifest;
pub mod media_store;
pub mod plan;
mod reconcile;
pub mod records;
pub mod stitch;
pub mod stop;
pub mod storyboard;
pub mod takes;

pub use batch::{
    BatchOptions, BatchSummary, JobFailure, parse_jobs, parse_jobs_with_local_files,
    parse_jobs_with_local_media, run_batch,
};
pub use chain::{ChainOptions, ChainOutcome, run_chain};
pub use error::WorkflowError;
pub use events::{Event, EventSink};
pub use film::{Film, FilmOptions, make_film};
pub use layout::RunLayout;
pub use local_media::{
    Destinations, LocalFile, LocalFiles, LocalMediaPolicy, PublishError, UploadRecord, localize,
    localize_media, media_facts,
};
pub use lock::{LockError, OutputLock};
pub use manifest::{ManifestError, ManifestStore, read_run};
pub use plan::{LinkMode, Plan, PlanError};
pub use records::{
    Billed, FileRecord, Fingerprint, JobRecord, JobState, JsonText, Manifest, ManifestKind, Take,
};
pub use stitch::{StitchError, StitchOptions, stitch};
pub use stop::StopSignal;
