//! The command-line grammar: every argument struct as pure clap data, and
//! what each command needs before it runs ([`Command::facts`]). The bottom
//! of the CLI: it imports none of the layers built on it (the context, the
//! services, the commands); their behaviour over these structs lives with
//! them (`CostArgs` in `cost.rs`, `RequestArgs` in `request_args.rs`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use seedance_core::provider::{PROVIDER_ENV, ProviderKind};

use crate::failure::Failure;

/// Seedance 2.0 video generation on the apimart gateway, Volcengine Ark or
/// BytePlus ModelArk.
///
/// The provider comes from --provider or SEEDANCE_PROVIDER (apimart by
/// default). The API key comes from the provider's variable (APIMART_API_KEY;
/// ARK_API_KEY for ark; BYTEPLUS_API_KEY or ARK_API_KEY for byteplus) or
/// --api-key-file (never from an argument: the process list is readable by
/// other users). The base URL comes from --base-url or the provider's
/// variable (APIMART_BASE_URL, ARK_BASE_URL, BYTEPLUS_BASE_URL), and
/// defaults to the provider's own over HTTPS.
#[derive(Debug, Parser)]
#[command(name = "seedance", version, about, long_about = None)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Use the built-in simulator in this process instead of the real API
    /// (no key needed; tasks take a few seconds). Its tasks are kept in
    /// OUT/.seedance-mock for chain, batch and generate, so an interrupted
    /// run resumes; elsewhere only as long as the process (see --mock-state).
    #[arg(long, global = true)]
    pub mock: bool,
    /// With --mock: keep the simulator's tasks and uploads in DIR, so
    /// `seedance --mock submit` and a later `seedance --mock wait` share them.
    #[arg(long, global = true, value_name = "DIR", requires = "mock")]
    pub mock_state: Option<PathBuf>,
    /// The service: `apimart` (the default), `ark` (Volcengine Ark) or
    /// `byteplus` (BytePlus ModelArk); also SEEDANCE_PROVIDER. Requests,
    /// validation, cost and the key variable follow it.
    #[arg(long, global = true, value_name = "PROVIDER", value_parser = parse_provider)]
    pub provider: Option<seedance_core::provider::ProviderKind>,
    /// The API base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Read the API key from the first line of this file.
    #[arg(long, global = true, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Refused: a key on the command line is visible to every user of the machine.
    #[arg(long, global = true, hide = true, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Machine-readable output: one JSON object on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not read or update the calibration cache (what finished tasks
    /// taught about the service's estimates; see SEEDANCE_NO_CALIBRATION).
    #[arg(long, global = true)]
    pub no_calibration: bool,
    /// Publish local reference videos and audio to this bucket and send
    /// them as signed URLs: `s3://BUCKET/PREFIX` (S3, R2, MinIO...),
    /// `gs://...`, `az://...`, with the provider's usual credentials from
    /// the environment (also SEEDANCE_MEDIA_STORE).
    #[arg(long, global = true, value_name = "URL")]
    pub media_store: Option<String>,
    /// Where local images go: apimart's upload endpoint (`upload`, 20 MB
    /// at most) or the media store (`store`).
    #[arg(long, global = true, value_enum, default_value = "upload")]
    pub images_via: ImagesVia,
    /// How long signed media-store URLs live: `24h`, `90m`.
    #[arg(long, global = true, value_parser = crate::duration::parse, default_value = "24h")]
    pub link_ttl: std::time::Duration,
    /// The hash downloaded files are recorded with (printed, and kept in
    /// manifests to check them on reruns). `blake3` keeps up with any
    /// network on any CPU (check by hand with `b3sum`); `sha256` matches
    /// `sha256sum` but limits downloads to the CPU's SHA-256 speed (about
    /// 200-350 MiB/s on CPUs without SHA extensions).
    #[arg(long, global = true, value_enum, default_value = "blake3")]
    pub digest: DigestArg,
    /// Log retries, rate limiting and polling to stderr (-v: info, -vv: debug).
    /// Logs never contain the API key.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Listen on 127.0.0.1:PORT for webhook pushes while this command runs
    /// (make it public with a tunnel and name it with --webhook): a wait
    /// wakes as soon as its task's push arrives and polls only every 60 s
    /// in between.
    #[arg(long, global = true, value_name = "PORT")]
    pub webhook_port: Option<u16>,
    /// The command line as given to `run` (to show how to rerun it).
    #[arg(skip)]
    pub command_line: String,
}

impl GlobalArgs {
    /// The provider: `--provider`, else `SEEDANCE_PROVIDER`, else apimart.
    pub(crate) fn provider(&self) -> Result<ProviderKind, Failure> {
        if let Some(p) = self.provider {
            return Ok(p);
        }
        match std::env::var(PROVIDER_ENV) {
            Ok(v) if !v.trim().is_empty() => v
                .parse()
                .map_err(|e| Failure::usage(format!("{PROVIDER_ENV}: {e}"))),
            _ => Ok(ProviderKind::default()),
        }
    }
}

fn parse_provider(s: &str) -> Result<seedance_core::provider::ProviderKind, String> {
    s.parse()
        .map_err(|e: seedance_core::UnknownValue| e.to_string())
}

/// A hash for downloaded files (see `--digest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum DigestArg {
    /// BLAKE3-256 (`b3sum`).
    Blake3,
    /// SHA-256 (`sha256sum`).
    Sha256,
}

impl From<DigestArg> for seedance_core::digest::DigestAlgorithm {
    fn from(d: DigestArg) -> Self {
        match d {
            DigestArg::Blake3 => Self::Blake3,
            DigestArg::Sha256 => Self::Sha256,
        }
    }
}

/// Where local images are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum ImagesVia {
    /// apimart's image upload endpoint.
    Upload,
    /// The media store (--media-store).
    Store,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a request body against every rule of the API, without sending it.
    ///
    /// Exit 0 when valid (warnings are printed), 1 when invalid, 2 when the
    /// input cannot be read or is not JSON.
    Validate(ValidateArgs),
    /// Validate and submit a request (a file, flags, or both); prints the task id.
    Submit(SubmitArgs),
    /// Show a task's status once, or the state of a run's output directory.
    Status(StatusArgs),
    /// Wait for a task to finish; prints its final state.
    Wait(WaitArgs),
    /// Download a URL to a file (streamed, checked, atomically renamed).
    Download(DownloadArgs),
    /// Submit, wait and download: the whole job in one command.
    Generate(GenerateArgs),
    /// Turn a shot list into continuous segments, each starting from the
    /// previous one's last frame; resumable (rerun the same command).
    Chain(ChainArgs),
    /// Run independent jobs (one request per line) with bounded concurrency;
    /// resumable (rerun the same command).
    Batch(BatchArgs),
    /// Upload local images (JPEG, PNG, WebP, GIF; 20 MB at most); prints
    /// URLs that requests accept, valid for 72 hours.
    Upload(UploadArgs),
    /// Serve the simulator over loopback HTTP for your own code to test
    /// against (Ark's paths too with --provider ark or byteplus).
    MockServer(MockServerArgs),
    /// List recent tasks (Ark and BytePlus: the last 7 days), newest first.
    List(ListArgs),
    /// Cancel a queued task (Ark and BytePlus; a running task cannot be
    /// cancelled: it finishes and is billed).
    Cancel(CancelArgs),
    /// List every take of every segment (or job) of a run, the selected one
    /// marked, and the links that are stale.
    Takes(TakesArgs),
    /// Publish local files to the media store (--media-store) and print
    /// their signed URLs, for use in requests by hand.
    Publish(PublishArgs),
    /// Select take TAKE of segment SEGMENT: its files become the segment's
    /// own (used by --stitch); the segments after it that started from
    /// another take are reported stale.
    Select(SelectArgs),
    /// Print a shell completion script: `seedance completions bash > /etc/bash_completion.d/seedance`.
    Completions(CompletionsArgs),
    /// Print a JSON Schema of an input file (for editors that check files as you type).
    Schema(SchemaArgs),
    /// Show what is left to spend: the key's balance (GET /v1/balance) and
    /// the account's (GET /v1/user/balance).
    Balance(BalanceArgs),
    /// List the models the service offers (GET /v1/models).
    Models(ModelsArgs),
    /// Receive webhook pushes on 127.0.0.1 (behind your tunnel) and print
    /// each task's new status, deduplicated, until Ctrl-C.
    WebhookListen(WebhookListenArgs),
    /// Private assets (`asset://` ids) for requests: register images,
    /// videos or audio clips in a group.
    #[command(subcommand)]
    Asset(AssetCommand),
    /// Serve the Model Context Protocol over standard input and output, for
    /// AI agents: validate, estimate, generate, status, wait, download,
    /// chain, batch, takes and select as tools. Every file it writes is
    /// under --out-root; every tool that pays needs a max_cost (or --max-cost).
    Mcp(McpArgs),
}

/// Arguments of `seedance balance`.
#[derive(Debug, Args)]
pub struct BalanceArgs {}

/// Arguments of `seedance webhook-listen`.
#[derive(Debug, Args)]
pub struct WebhookListenArgs {
    /// Port to listen on (0 picks a free one, printed on stderr).
    #[arg(long, default_value_t = 8788)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
}

/// Arguments of `seedance models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {}

/// `seedance asset ...`.
#[derive(Debug, Subcommand)]
#[non_exhaustive]
pub enum AssetCommand {
    /// Register up to 20 files or URLs as assets of a group
    /// (POST /v1/seedance2/private-avatar), wait for the review, and print
    /// the usable `asset://` ids and the refused files with reasons. Local
    /// images are uploaded first; local videos and audio go to the media
    /// store (--media-store).
    Create(AssetCreateArgs),
}

/// Arguments of `seedance asset create`.
#[derive(Debug, Args)]
pub struct AssetCreateArgs {
    /// The group to add the assets to, by name (created when new).
    #[arg(
        long,
        required_unless_present = "group_id",
        conflicts_with = "group_id"
    )]
    pub group: Option<String>,
    /// The group to add the assets to, by id.
    #[arg(long, value_name = "ID")]
    pub group_id: Option<String>,
    /// The project name to file them under.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// How long to wait for the review.
    #[arg(long, value_parser = crate::duration::parse, default_value = "10m")]
    pub timeout: std::time::Duration,
    /// Images, videos or audio clips (1 to 20): local files or http(s) URLs.
    /// The type (Image, Video, Audio) is read from the file name's extension.
    #[arg(required = true, value_name = "FILE|URL")]
    pub files: Vec<String>,
}

/// Arguments of `seedance mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// The only directory the server writes under (created if missing).
    /// Tools name output directories relative to it; paths outside it,
    /// `..` and symbolic links are refused. Local images in requests are
    /// read from under it too.
    #[arg(long, value_name = "DIR")]
    pub out_root: PathBuf,
    /// The budget of every paying tool call whose caller gives no
    /// `max_cost` (without it, such calls are refused). A caller's own
    /// `max_cost` above it is refused.
    #[arg(long, value_name = "AMOUNT")]
    pub max_cost: Option<f64>,
    /// A price table (JSON) instead of the built-in one (see `seedance
    /// chain --prices`).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Give up waiting on one task after this long: `90s`, `10m`, `1h`.
    #[arg(long, value_parser = crate::duration::parse, default_value = "30m")]
    pub timeout: std::time::Duration,
}

/// What the CLI needs to know about a command before it runs, so that each
/// command states its facts in one arm of [`Command::facts`].
#[derive(Debug)]
pub(crate) struct Facts<'a> {
    /// Whether the API options (`--mock`, `--base-url`, `--api-key-file`)
    /// mean anything to it; when not, giving one is refused rather than
    /// ignored.
    pub(crate) takes_api_options: bool,
    /// Whether its client needs the API key: not for commands that only
    /// fetch or publish media (which never carries the key).
    pub(crate) needs_key: bool,
    /// How long one wait for a task may last, when it waits.
    pub(crate) wait_timeout: Option<std::time::Duration>,
    /// The output directory of a run it writes (where `--mock` keeps its
    /// state, so a rerun finds the tasks the first run paid for).
    pub(crate) run_dir: Option<&'a std::path::Path>,
    /// The cost options of a command that pays.
    pub(crate) cost: Option<&'a CostArgs>,
}

impl Facts<'_> {
    /// A command that sends no request with the client of the global options.
    const OFFLINE: Self = Facts {
        takes_api_options: false,
        needs_key: false,
        wait_timeout: None,
        run_dir: None,
        cost: None,
    };
    /// A command that calls the service with the key.
    const CLIENT: Self = Facts {
        takes_api_options: true,
        needs_key: true,
        wait_timeout: None,
        run_dir: None,
        cost: None,
    };
}

impl Command {
    /// This command's facts. The match is exhaustive on purpose: a new
    /// command does not compile until its facts are stated here.
    pub(crate) fn facts(&self) -> Facts<'_> {
        match self {
            Command::Validate(a) if a.live => Facts {
                takes_api_options: true,
                ..Facts::OFFLINE
            },
            Command::Validate(_)
            | Command::Takes(_)
            | Command::Select(_)
            | Command::Completions(_)
            | Command::Schema(_) => Facts::OFFLINE,
            // They serve on loopback and send nothing to the service.
            Command::MockServer(_) | Command::WebhookListen(_) => Facts::OFFLINE,
            // It builds its own client from the API options.
            Command::Mcp(_) => Facts {
                takes_api_options: true,
                ..Facts::OFFLINE
            },
            // `status DIR` reads a run's manifest and sends nothing, but
            // `--mock` is accepted there as it is for `status TASK_ID`.
            Command::Status(_)
            | Command::Upload(_)
            | Command::Balance(_)
            | Command::Models(_)
            | Command::List(_)
            | Command::Cancel(_) => Facts::CLIENT,
            Command::Download(_) | Command::Publish(_) => Facts {
                needs_key: false,
                ..Facts::CLIENT
            },
            Command::Submit(a) => Facts {
                cost: Some(&a.cost),
                ..Facts::CLIENT
            },
            Command::Wait(a) => Facts {
                wait_timeout: Some(a.timeout),
                ..Facts::CLIENT
            },
            Command::Generate(a) => Facts {
                wait_timeout: Some(a.timeout),
                run_dir: Some(&a.out),
                cost: Some(&a.cost),
                ..Facts::CLIENT
            },
            Command::Chain(ChainArgs { resume, cost, .. })
            | Command::Batch(BatchArgs { resume, cost, .. }) => Facts {
                wait_timeout: Some(resume.timeout),
                run_dir: Some(&resume.out),
                cost: Some(cost),
                ..Facts::CLIENT
            },
            Command::Asset(AssetCommand::Create(a)) => Facts {
                wait_timeout: Some(a.timeout),
                ..Facts::CLIENT
            },
        }
    }
}

/// Arguments of `seedance list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tasks in this status: queued, running, succeeded, failed,
    /// cancelled (Ark's spelling).
    #[arg(long, value_parser = parse_ark_status)]
    pub status: Option<seedance_core::provider::ark::ArkStatus>,
    /// Only tasks of this model (the project's id or the platform's).
    #[arg(long)]
    pub model: Option<String>,
    /// Only this task (repeatable).
    #[arg(long = "task", value_name = "TASK_ID")]
    pub tasks: Vec<String>,
    /// Page number, from 1.
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Tasks per page, 1-500.
    #[arg(long, default_value_t = 20)]
    pub page_size: u32,
}

fn parse_ark_status(s: &str) -> Result<seedance_core::provider::ark::ArkStatus, String> {
    s.parse()
        .map_err(|e: seedance_core::UnknownValue| e.to_string())
}

/// Arguments of `seedance cancel`.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The task id.
    pub task_id: String,
}

/// Arguments of `seedance publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Arguments of `seedance takes`.
#[derive(Debug, Args)]
pub struct TakesArgs {
    /// The run's output directory.
    pub dir: PathBuf,
}

/// Arguments of `seedance select`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// The run's output directory.
    pub dir: PathBuf,
    /// The segment (or job) index.
    pub segment: usize,
    /// The take number (see `seedance takes`).
    pub take: u32,
}

/// Arguments of `seedance upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The images.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Arguments of `seedance completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Which input file `seedance schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[non_exhaustive]
pub enum SchemaKind {
    /// A request body (`submit`, `generate`, `validate`).
    Request,
    /// A chain plan (`chain`).
    Plan,
    /// One line of a jobs file (`batch`).
    Job,
}

/// Arguments of `seedance schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// `request`, `plan` or `job`.
    pub kind: SchemaKind,
}

/// Arguments of `seedance submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The request body: a JSON file, or `-` for standard input (optional
    /// when the request is given as flags).
    pub file: Option<PathBuf>,
    /// The request as flags (override the file's fields).
    #[command(flatten)]
    pub request: RequestArgs,
    /// Dry run and cost.
    #[command(flatten)]
    pub cost: CostArgs,
}

/// Options shared by chains and batches.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Output directory (holds manifest.json, which makes reruns resume).
    #[arg(long)]
    pub out: PathBuf,
    /// Where apimart pushes each task's status (the `webhook` field of every
    /// request; apimart appends `/callback`). Runs still poll.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Send again jobs whose earlier submit may have created a (billed) task
    /// whose id was lost. Check your apimart task list first: this may pay twice.
    #[arg(long)]
    pub resubmit_uncertain: bool,
    /// Generate this segment or job again (repeatable): a new take, the
    /// current one kept. In a chain the generated segments after it get new
    /// takes too (their first frame comes from it) unless --keep-downstream.
    #[arg(long, value_name = "INDEX")]
    pub regenerate: Vec<usize>,
    /// Accept what the rerun changes in segments or jobs already generated
    /// (an edited plan, --regenerate) without being asked.
    #[arg(long)]
    pub apply_changes: bool,
    /// Give up waiting on one task after this long: `90s`, `10m`, `1h`.
    #[arg(long, value_parser = crate::duration::parse, default_value = "30m")]
    pub timeout: std::time::Duration,
}

/// Arguments of `seedance chain`.
#[derive(Debug, Args)]
pub struct ChainArgs {
    /// The plan (JSON): {"defaults", "start_image", "end_image", "link", "segments"}.
    pub plan: PathBuf,
    /// Resume and output options.
    #[command(flatten)]
    pub resume: ResumeArgs,
    /// Dry run and cost.
    #[command(flatten)]
    pub cost: CostArgs,
    /// Join the segments into final.mp4 with ffmpeg (stream copy).
    #[arg(long)]
    pub stitch: bool,
    /// Scale and crop a local start_image and end_image to the video's
    /// exact pixels, so the film does not jump after its first frame or
    /// before its last.
    #[arg(long)]
    pub fit_frames: bool,
    /// With --stitch: drop the repeated frame at each seam (re-encodes).
    #[arg(long, requires = "stitch")]
    pub drop_seam_frame: bool,
    /// With --regenerate: keep the segments after a regenerated one (their
    /// first frames then come from its earlier take: stale links).
    #[arg(long)]
    pub keep_downstream: bool,
    /// With --stitch: join segments even where a segment did not start from
    /// the selected take of the one before it.
    #[arg(long, requires = "stitch")]
    pub accept_stale: bool,
    /// Continue from your own live copy of a segment's last frame once its
    /// URL expired: `--frame-url 3=https://...` (repeatable).
    #[arg(long, value_name = "INDEX=URL", value_parser = parse_frame_url)]
    pub frame_url: Vec<(usize, seedance_core::MediaUrl)>,
}

fn parse_frame_url(s: &str) -> Result<(usize, seedance_core::MediaUrl), String> {
    let (k, url) = s.split_once('=').ok_or("expected INDEX=URL")?;
    let k = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a segment index"))?;
    let url = seedance_core::MediaUrl::parse(url.trim()).map_err(|e| e.to_string())?;
    Ok((k, url))
}

/// Arguments of `seedance batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The jobs: JSON Lines, one request body per line.
    pub jobs: PathBuf,
    /// Resume and output options.
    #[command(flatten)]
    pub resume: ResumeArgs,
    /// Jobs in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Dry run and cost.
    #[command(flatten)]
    pub cost: CostArgs,
}

/// Arguments of `seedance validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A request body, a chain plan (an object with `segments`) or a jobs
    /// file (JSON Lines, `.jsonl`): a file, or `-` for standard input.
    pub file: PathBuf,
    /// When valid, print the exact wire JSON that would be sent (a dry run).
    #[arg(long)]
    pub print: bool,
    /// Also fetch the media URLs (without the API key) and check what they
    /// are against the service's limits: images by their header, videos and
    /// audio with ffprobe where it is installed. Local files are always checked.
    #[arg(long)]
    pub probe: bool,
    /// Also check the request against the live service's own JSON Schema
    /// for its model (GET /v1/model-schema), and list where that schema and
    /// the built-in rules disagree. Needs the key (or --mock); when the
    /// schema cannot be fetched, the built-in verdict stands. Exit 1 when
    /// either refuses the request.
    #[arg(long)]
    pub live: bool,
}

/// Arguments of `seedance status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The task id (`task_...`), or a chain's or batch's --out directory:
    /// then every job's recorded state, files, cost and the jobs that need
    /// attention, read from its manifest (no request, no key needed).
    #[arg(value_name = "TASK_ID|DIR")]
    pub task_id: String,
    /// The language of the server's messages: `en` (default), `zh`, `ko`, `ja`.
    #[arg(long, value_parser = ["en", "zh", "ko", "ja"])]
    pub language: Option<String>,
}

/// Arguments of `seedance wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The task id.
    pub task_id: String,
    /// Give up after this long: `90s`, `10m`, `1h`, or seconds.
    #[arg(long, value_parser = crate::duration::parse, default_value = "30m")]
    pub timeout: std::time::Duration,
}

/// Arguments of `seedance download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The URL.
    pub url: String,
    /// Where to write the file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `seedance generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The request body: a JSON file or `-` (omit with --task, or give the
    /// request as flags).
    pub file: Option<PathBuf>,
    /// The request as flags (override the file's fields).
    #[command(flatten)]
    pub request: RequestArgs,
    /// Dry run and cost.
    #[command(flatten)]
    pub cost: CostArgs,
    /// Directory for the video (and last frame).
    #[arg(long)]
    pub out: PathBuf,
    /// Resume: wait for and download an already submitted task instead of submitting.
    #[arg(long, value_name = "TASK_ID", conflicts_with = "file")]
    pub task: Option<String>,
    /// Give up waiting after this long: `90s`, `10m`, `1h`, or seconds.
    #[arg(long, value_parser = crate::duration::parse, default_value = "30m")]
    pub timeout: std::time::Duration,
}

/// Arguments of `seedance mock-server`.
#[derive(Debug, Args)]
pub struct MockServerArgs {
    /// API port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Media port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub media_port: u16,
    /// Seed of the simulator's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Realistic generation times (about 90 s) instead of a few seconds.
    #[arg(long, conflicts_with = "instant")]
    pub realistic: bool,
    /// Near-instant generation (well under a second), for tests.
    #[arg(long)]
    pub instant: bool,
    /// Behave like a service that ignores `Idempotency-Key`: every submit
    /// creates a task, no replay is reported and the response version is
    /// not echoed (so clients must not resend an uncertain submit).
    #[arg(long)]
    pub ignore_idempotency: bool,
    /// Every task fails this moderation check, with the service's public
    /// code and message: `real-person`, `sensitive-audio`,
    /// `sensitive-output`, `sensitive-prompt` or `copyright`.
    #[arg(long, value_parser = seedance_sim::Moderation::parse)]
    pub moderation: Option<seedance_sim::Moderation>,
    /// Webhook pushes: `duplicate` (each twice), `late` (an earlier status
    /// after the last), `never` (none); repeatable. Pushes go only to
    /// loopback URLs.
    #[arg(long, value_name = "FAULT", value_parser = ["duplicate", "late", "never"])]
    pub webhook_fault: Vec<String>,
    /// Submits accepted per second (unlimited when absent).
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Every task waits this many seconds in the queue before it runs
    /// (instead of the preset's random wait).
    #[arg(long, value_name = "SECONDS")]
    pub queue: Option<f64>,
    /// Ark's face: most tasks queued at once per account before a create
    /// answers 429 `QuotaExceeded` (default 120, as BytePlus documents).
    #[arg(long, value_name = "N")]
    pub max_queued: Option<usize>,
    /// How --rate-limit is enforced: `fixed` (one-second windows),
    /// `sliding` (any one-second span) or `bucket:BURST` (token bucket).
    #[arg(long, default_value = "fixed", value_parser = seedance_sim::RateLimiter::parse)]
    pub rate_limiter: seedance_sim::RateLimiter,
    /// Prepaid balance in video-seconds at 720p (unlimited when absent).
    #[arg(long)]
    pub balance: Option<f64>,
    /// Pad every video with this many bytes (for download benchmarks).
    #[arg(long, default_value_t = 0)]
    pub video_padding: u64,
    /// Probability (0-1) that an API call answers 500/502/503/504.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub server_error_rate: f64,
    /// Probability (0-1) that a connection is cut (half before, half after the server acted).
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub cut_rate: f64,
    /// Probability (0-1) that a 200 answer has a malformed body.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub malformed_rate: f64,
    /// Probability (0-1) that a task ends `failed`.
    #[arg(long, default_value_t = 0.0, value_parser = probability)]
    pub task_failure_rate: f64,
    /// A one-shot fault, applied in order (repeatable): `ROUTE:FAULT[xN]`
    /// with ROUTE `submit`, `status`, `media`, `upload`, `balance`,
    /// `models`, `schema`, `pricing` or `assets`. Faults: `status:CODE`,
    /// `status-after:CODE` (the task is created, then the gateway answers
    /// CODE), `rate-limited[:SECS]`, `html:CODE`, `refuse`, `drop-before`,
    /// `drop-after`, `hang`, `hang-after`, `malformed`, `wrong-shape`,
    /// `slow:MS`, `oversized`, `cut-body`, `completed-without-result`,
    /// `echo-key`, and for media `short-body`, `long-body`, `html-media`,
    /// `gzip`. Example: `--fault submit:status-after:502 --fault status:status:503x8`.
    #[arg(long, value_name = "ROUTE:FAULT[xN]", value_parser = seedance_sim::parse_scripted)]
    pub fault: Vec<(seedance_sim::Route, seedance_sim::Fault, usize)>,
    /// How task statuses are spelled: `apimart` (pending, processing,
    /// completed), `upstream` (queued, running, succeeded), `upper`
    /// (PENDING, SUCCESS), `title` (Completed).
    #[arg(long, default_value = "apimart", value_parser = seedance_sim::StatusSpelling::parse)]
    pub status_spelling: seedance_sim::StatusSpelling,
    /// Seconds added to every reported `expires_at` (e.g. -60: the body says
    /// the URLs expire a minute before they do, as a skewed clock sees it).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub expires_skew: i64,
    /// Result URL arrays start with a dead URL (404) before the live one.
    #[arg(long)]
    pub dead_first_url: bool,
    /// New tasks answer 404 to status requests for this many seconds.
    #[arg(long, default_value_t = 0.0)]
    pub visibility_delay: f64,
    /// Error messages echo the Authorization header the client sent.
    #[arg(long)]
    pub echo_key: bool,
    /// How progress rises: `linear`, `front`, `late` (cubic), `steps` (of
    /// 25 %) or `none` (no progress field).
    #[arg(long, default_value = "linear", value_parser = seedance_sim::ProgressShape::parse)]
    pub progress_shape: seedance_sim::ProgressShape,
    /// `estimated_time` off by a factor log-uniform in LO..HI (e.g. `0.25..4`,
    /// as on the live service; `3..4` for a service that overestimates).
    #[arg(long, value_name = "LO..HI", value_parser = factor_range)]
    pub estimate_factor: Option<(f64, f64)>,
    /// A documented response shape, repeatable: `cost-string` (`cost` as a
    /// string), `no-envelope` (task fields without `data`),
    /// `last-frame-in-content` (`result.content.last_frame_url`),
    /// `task-info` (`task_info.estimated_time` on submit).
    #[arg(long, value_name = "SHAPE", value_parser = ["cost-string", "no-envelope", "last-frame-in-content", "task-info"])]
    pub shape: Vec<String>,
}

fn factor_range(s: &str) -> Result<(f64, f64), String> {
    let (lo, hi) = s.split_once("..").ok_or("expected LO..HI, e.g. 0.25..4")?;
    let parse = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f > 0.0 && f.is_finite())
    };
    match (parse(lo), parse(hi)) {
        (Some(lo), Some(hi)) if lo <= hi => Ok((lo, hi)),
        _ => Err(format!(
            "`{s}`: need two positive numbers LO..HI with LO <= HI"
        )),
    }
}

fn probability(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a probability between 0 and 1")),
    }
}

/// Cost options of every command that pays.
#[derive(Debug, Default, Args)]
pub struct CostArgs {
    /// Validate everything and print each request exactly as it would be
    /// sent, what would be uploaded and the estimated cost; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A price table (JSON) instead of the built-in one: `{"source",
    /// "observed", "currency", "per_second": {MODEL: {RESOLUTION: PRICE}}}`;
    /// or `live`: the service's public prices (GET /api/pricing/model),
    /// cached for a day under the cache directory, falling back to the
    /// built-in table with a warning.
    #[arg(long, value_name = "FILE|live")]
    pub prices: Option<PathBuf>,
    /// The table `--prices live` resolved to (settled before the command
    /// runs, see `CostArgs::resolve`).
    #[arg(skip)]
    pub resolved: std::sync::OnceLock<seedance_core::pricing::PriceTable>,
    /// Refuse to start when the estimated cost is above this amount (in
    /// the provider's currency: USD on apimart and BytePlus, CNY on Ark).
    #[arg(long, value_name = "AMOUNT")]
    pub max_cost: Option<f64>,
    /// The provider the estimate is for: the context's client's, settled
    /// before the command runs (see `CostArgs::resolve`; apimart until
    /// then). Apimart bills seconds, Ark and BytePlus bill tokens.
    #[arg(skip)]
    pub provider: std::sync::OnceLock<seedance_core::provider::ProviderKind>,
}

/// The `--prices` value that asks for the service's public prices.
const LIVE_PRICES: &str = "live";

impl CostArgs {
    /// Whether `--prices live` was given.
    pub(crate) fn wants_live(&self) -> bool {
        self.prices
            .as_deref()
            .is_some_and(|p| p == std::path::Path::new(LIVE_PRICES))
    }

    /// The price table file `--prices` names (not `live`).
    pub(crate) fn prices_file(&self) -> Option<&std::path::Path> {
        self.prices.as_deref().filter(|_| !self.wants_live())
    }
}

/// The request fields as flags.
#[derive(Debug, Default, Args)]
pub struct RequestArgs {
    /// Model id: `doubao-seedance-2.0`, `-fast`, `-mini`, `-face`, `-fast-face`.
    #[arg(long, value_name = "MODEL", help_heading = "Request")]
    pub model: Option<String>,
    /// What to generate.
    #[arg(long, value_name = "TEXT", help_heading = "Request")]
    pub prompt: Option<String>,
    /// Seconds of video, 4 to 15.
    #[arg(
        long,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        help_heading = "Request"
    )]
    pub duration: Option<i64>,
    /// Aspect ratio: `16:9`, `9:16`, `1:1`, `4:3`, `3:4`, `21:9`, `adaptive`.
    #[arg(long, value_name = "RATIO", help_heading = "Request")]
    pub size: Option<String>,
    /// `480p`, `720p`, `1080p` or `4k`.
    #[arg(long, value_name = "RES", help_heading = "Request")]
    pub resolution: Option<String>,
    /// Seed, -1 (random) to 4294967295.
    #[arg(long, allow_negative_numbers = true, help_heading = "Request")]
    pub seed: Option<i64>,
    /// Generate sound with the video (`--audio`, or `--audio false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help_heading = "Request")]
    pub audio: Option<bool>,
    /// Return the video's last frame too (to continue from it).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help_heading = "Request")]
    pub return_last_frame: Option<bool>,
    /// Let the model search the web for the prompt.
    #[arg(long, help_heading = "Request")]
    pub web_search: bool,
    /// An input image (repeatable): a URL, or a local file (uploaded first).
    #[arg(long = "image", value_name = "URL_OR_FILE", help_heading = "Request")]
    pub images: Vec<String>,
    /// The first frame: a URL or a local file.
    #[arg(long, value_name = "URL_OR_FILE", help_heading = "Request")]
    pub first_frame: Option<String>,
    /// The last frame (needs --first-frame): a URL or a local file.
    #[arg(long, value_name = "URL_OR_FILE", help_heading = "Request")]
    pub last_frame: Option<String>,
    /// A reference image (repeatable): a URL or a local file.
    #[arg(
        long = "reference-image",
        value_name = "URL_OR_FILE",
        help_heading = "Request"
    )]
    pub reference_images: Vec<String>,
    /// A reference video URL (repeatable).
    #[arg(long = "video", value_name = "URL", help_heading = "Request")]
    pub videos: Vec<String>,
    /// A reference audio clip (repeatable): a URL, or a local file (sent
    /// inline on Ark and BytePlus; elsewhere through --media-store).
    #[arg(
        long = "audio-ref",
        value_name = "URL_OR_FILE",
        help_heading = "Request"
    )]
    pub audio_refs: Vec<String>,
    /// Send a model id this version does not know (a newer model), under the
    /// rules of the base its name suggests. The SDK cannot check it.
    #[arg(long, help_heading = "Request")]
    pub allow_unknown_model: bool,
    /// Where apimart pushes the task's status when it changes (the request's
    /// `webhook` field; apimart appends `/callback`). Runs still poll.
    #[arg(long, value_name = "URL", help_heading = "Request")]
    pub webhook: Option<String>,
    /// Send a field this version leaves out because the service refuses it
    /// (repeatable): `camera_fixed` is documented by apimart but refused
    /// upstream for the Seedance 2.0 family.
    #[arg(long, value_name = "FIELD", help_heading = "Request")]
    pub force_field: Vec<String>,
    /// Scale and crop local first and last frames to the video's exact
    /// pixels (for the request's size and resolution), so the video does not
    /// jump after the first frame or before the last.
    #[arg(long, help_heading = "Request")]
    pub fit_frames: bool,
}
