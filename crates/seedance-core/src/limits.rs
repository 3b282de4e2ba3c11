//! The numeric limits of the API, in one place, each with its source.

/// Prompt length limit in characters (reference: "최대 4000자"); `-mini` has none.
pub const PROMPT_MAX_CHARS: usize = 4000;
/// Recommended prompt length; longer prompts only draw a warning (reference).
pub const PROMPT_RECOMMENDED_CHARS: usize = 500;
/// Shortest video in seconds. The parameter reference says 4-15; the 1.5-Pro
/// comparison table says 5-15. The parameter reference is the specific one.
pub const DURATION_MIN_SECS: u32 = 4;
/// Longest video in seconds.
pub const DURATION_MAX_SECS: u32 = 15;
/// Default duration the server applies when the field is absent.
pub const DURATION_DEFAULT_SECS: u32 = 5;
/// At most this many reference images (reference: "최대 9장의 참조 이미지").
pub const MAX_IMAGES: usize = 9;
/// At most this many reference videos.
pub const MAX_VIDEOS: usize = 3;
/// At most this many reference audios.
pub const MAX_AUDIOS: usize = 3;

/// Reference videos: total duration must be strictly above this (seconds).
pub const VIDEO_TOTAL_MIN_SECS: f64 = 1.8;
/// Reference videos: total duration must be strictly below this (seconds).
pub const VIDEO_TOTAL_MAX_SECS: f64 = 15.2;
/// Each reference video lasts at least this long (upstream, "about 2-15 s").
pub const VIDEO_EACH_MIN_SECS: f64 = 2.0;
/// Each reference video lasts at most this long.
pub const VIDEO_EACH_MAX_SECS: f64 = 15.0;
/// Each reference audio lasts at least this long (seconds, upstream).
pub const AUDIO_EACH_MIN_SECS: f64 = 2.0;
/// Each reference audio lasts at most this long (seconds, upstream).
pub const AUDIO_EACH_MAX_SECS: f64 = 15.0;
/// Reference audios together last at most this long (seconds).
pub const AUDIO_TOTAL_MAX_SECS: f64 = 15.0;
/// Image sides, smallest (pixels, upstream).
pub const IMAGE_MIN_SIDE: u32 = 300;
/// Image sides, largest (pixels, upstream).
pub const IMAGE_MAX_SIDE: u32 = 6000;
/// Image aspect ratio (width / height), lowest (upstream).
pub const IMAGE_MIN_ASPECT: f64 = 0.4;
/// Image aspect ratio (width / height), highest (upstream).
pub const IMAGE_MAX_ASPECT: f64 = 2.5;
/// Images must be smaller than this many bytes (30 MB, upstream).
pub const IMAGE_MAX_BYTES: u64 = 30 * 1024 * 1024;

/// Smallest `seed`: -1 asks for a random seed (upstream's range).
pub const SEED_MIN: i64 = -1;
/// Largest `seed`: 2^32 - 1 (upstream's range).
pub const SEED_MAX: i64 = 4_294_967_295;

/// Fewest pixels (width x height) of a reference video: 640x640 (upstream).
pub const VIDEO_MIN_PIXELS: u64 = 409_600;
/// Most pixels of a reference video: 834x1112 (upstream).
pub const VIDEO_MAX_PIXELS: u64 = 927_408;
/// Narrowest reference video, width/height (1:2.5).
pub const VIDEO_MIN_ASPECT: f64 = 0.4;
/// Widest reference video, width/height (2.5:1).
pub const VIDEO_MAX_ASPECT: f64 = 2.5;
/// Slowest reference video frame rate.
pub const VIDEO_MIN_FPS: f64 = 24.0;
/// Fastest reference video frame rate.
pub const VIDEO_MAX_FPS: f64 = 60.0;
/// Largest reference video: 50 MB.
pub const VIDEO_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Largest reference audio: 15 MB.
pub const AUDIO_MAX_BYTES: u64 = 15 * 1024 * 1024;
