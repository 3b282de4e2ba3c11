//! A request from flags, over (or instead of) a request file. Flags
//! override the file's fields; validation errors name the flag that set the
//! field, so `--duration 20` is reported as `duration (--duration)`. The
//! flags themselves, [`RequestArgs`], are declared with the grammar.

use std::io::Read;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::cli::RequestArgs;
use crate::failure::Failure;
use crate::input::read_json;

impl RequestArgs {
    /// Whether any request flag was given.
    pub fn any(&self) -> bool {
        !self.fields().is_empty()
    }

    /// The fields the flags set, as JSON, with the flag that set each.
    fn fields(&self) -> Vec<(&'static str, &'static str, Value)> {
        let mut f = Vec::new();
        let mut put = |field, flag, v: Value| f.push((field, flag, v));
        if let Some(v) = &self.model {
            put("model", "--model", json!(v));
        }
        if let Some(v) = &self.prompt {
            put("prompt", "--prompt", json!(v));
        }
        if let Some(v) = self.duration {
            put("duration", "--duration", json!(v));
        }
        if let Some(v) = &self.size {
            put("size", "--size", json!(v));
        }
        if let Some(v) = &self.resolution {
            put("resolution", "--resolution", json!(v));
        }
        if let Some(v) = self.seed {
            put("seed", "--seed", json!(v));
        }
        if let Some(v) = self.audio {
            put("generate_audio", "--audio", json!(v));
        }
        if let Some(v) = self.return_last_frame {
            put("return_last_frame", "--return-last-frame", json!(v));
        }
        if self.web_search {
            put("tools", "--web-search", json!([{"type": "web_search"}]));
        }
        if !self.images.is_empty() {
            put("image_urls", "--image", json!(self.images));
        }
        let mut roles = Vec::new();
        if let Some(u) = &self.first_frame {
            roles.push(json!({"url": u, "role": "first_frame"}));
        }
        if let Some(u) = &self.last_frame {
            roles.push(json!({"url": u, "role": "last_frame"}));
        }
        for u in &self.reference_images {
            roles.push(json!({"url": u, "role": "reference_image"}));
        }
        if !roles.is_empty() {
            put(
                "image_with_roles",
                "--first-frame/--last-frame/--reference-image",
                Value::Array(roles),
            );
        }
        if !self.videos.is_empty() {
            put("video_urls", "--video", json!(self.videos));
        }
        if !self.audio_refs.is_empty() {
            put("audio_urls", "--audio-ref", json!(self.audio_refs));
        }
        if let Some(v) = &self.webhook {
            put("webhook", "--webhook", json!(v));
        }
        f
    }

    /// `base` (a request file's JSON, or `{}`) with the flags applied.
    /// Returns the body and, for each field a flag set, the flag's name.
    pub fn apply(&self, base: Value) -> (Value, Vec<(&'static str, &'static str)>) {
        let mut obj = match base {
            Value::Object(o) => o,
            other => {
                // Not an object: validation reports it; flags cannot help.
                return (other, Vec::new());
            }
        };
        let mut flagged = Vec::new();
        for (field, flag, v) in self.fields() {
            obj.insert(field.to_owned(), v);
            flagged.push((field, flag));
        }
        (Value::Object(obj), flagged)
    }
}

/// A request read from a file, with the warnings `validate` would print.
pub(crate) struct ReadRequest {
    pub(crate) request: seedance_core::GenerationRequest,
    pub(crate) warnings: Vec<seedance_core::Violation>,
}

/// A request body as read: the file (if any) with the flags over it, local
/// image paths replaced by placeholders (see `seedance_workflows::local_media`).
pub(crate) struct RawRequest {
    pub(crate) value: Value,
    pub(crate) flagged: Vec<(&'static str, &'static str)>,
    pub(crate) local: Vec<seedance_workflows::LocalFile>,
    /// What `--fit-frames` did, a line per frame.
    pub(crate) fitted: Vec<String>,
}

/// Fits the local first and last frames of `value` (paths relative to
/// `base`) to the output size of `sized`; returns a line for each frame
/// fitted, for the command to print on its own error stream.
fn fit_local_frames(
    value: &mut Value,
    sized: &Value,
    base: &std::path::Path,
) -> Result<Vec<String>, Failure> {
    let fitted = seedance_workflows::fit_frames::fit_request_frames_sized(
        value,
        sized,
        base,
        &seedance_workflows::fit_frames::default_dir(),
    )
    .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(fitted.iter().map(ToString::to_string).collect())
}

/// The request of `submit`/`generate`: the file (if any; its local paths
/// are relative to its directory) with the flags over it (their local paths
/// relative to the working directory).
pub(crate) fn read_request_with_flags(
    file: Option<&PathBuf>,
    flags: &RequestArgs,
    local_av: seedance_workflows::LocalMediaPolicy,
    stdin: &mut dyn Read,
) -> Result<RawRequest, Failure> {
    let mut local = Vec::new();
    let mut violations = Vec::new();
    let mut fitted = Vec::new();
    let base = match file {
        Some(path) => {
            let mut v = read_json(path, stdin).map_err(|e| Failure::usage(e.to_string()))?;
            let dir = if path.as_os_str() == "-" {
                std::path::PathBuf::from(".")
            } else {
                crate::input::parent_dir(path)
            };
            if flags.fit_frames {
                // Sized by the request as sent: the file with the flags over it.
                let sized = flags.apply(v.clone()).0;
                fitted.extend(fit_local_frames(&mut v, &sized, &dir)?);
            }
            match seedance_workflows::localize_media(&mut v, &dir, local_av) {
                Ok(found) => local.extend(found),
                Err(e) => violations.extend(e),
            }
            v
        }
        None if flags.any() => Value::Object(Map::new()),
        None => {
            return Err(Failure::usage(
                "give a request file (or - for standard input), or the request as flags: --model and --prompt at least",
            ));
        }
    };
    let (mut value, flagged) = flags.apply(base);
    if flags.fit_frames {
        let sized = value.clone();
        fitted.extend(fit_local_frames(
            &mut value,
            &sized,
            std::path::Path::new("."),
        )?);
    }
    match seedance_workflows::localize_media(&mut value, std::path::Path::new("."), local_av) {
        Ok(found) => local.extend(found),
        Err(e) => violations.extend(e),
    }
    if !violations.is_empty() {
        for v in &mut violations {
            let field = v
                .path
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_owned();
            if let Some((_, flag)) = flagged.iter().find(|(f, _)| *f == field) {
                v.path = format!("{} ({flag})", v.path);
            }
        }
        let n = violations.len();
        // A local clip without a store to publish it (decided by the
        // violation's code and field, not its words).
        let needs_store = violations.iter().any(|v| {
            v.code == seedance_core::Code::InvalidUrl
                && ((v.path.starts_with("video_urls") && !local_av.video)
                    || (v.path.starts_with("audio_urls") && !local_av.audio))
        });
        let mut failure = Failure::failed(format!(
            "invalid request ({n} problem{}):{}",
            if n == 1 { "" } else { "s" },
            violations
                .iter()
                .map(|v| format!("\n  {v}"))
                .collect::<String>()
        ));
        if needs_store {
            failure.hint = Some(
                "publish local videos and audio through your bucket: --media-store s3://BUCKET/PREFIX (or SEEDANCE_MEDIA_STORE)"
                    .to_owned(),
            );
        }
        return Err(failure);
    }
    Ok(RawRequest {
        value,
        flagged,
        local,
        fitted,
    })
}

/// Fields the service refuses although a page documents them: left out of
/// the request (the validator's warning says so) unless `--force-field`
/// names them.
const REFUSED_UPSTREAM: &[&str] = &["camera_fixed"];

/// Leaves out of `request` the refused fields not forced, and says in the
/// warning whether each is sent.
fn leave_out_refused_fields(
    request: &mut seedance_core::GenerationRequest,
    warnings: &mut [seedance_core::Violation],
    force_fields: &[String],
) {
    for field in REFUSED_UPSTREAM {
        let forced = force_fields.iter().any(|f| f == field);
        if *field == "camera_fixed" && !forced {
            request.camera_fixed = None;
        }
        for w in warnings.iter_mut().filter(|w| w.path == *field) {
            w.message = if forced {
                format!("{}; sent anyway (--force-field {field})", w.message)
            } else {
                format!("{}; left out of the request", w.message)
            };
        }
    }
}

/// Parses and validates `value`, naming the flag of each field a flag set.
pub(crate) fn validate_with_flags(
    value: &Value,
    flagged: &[(&'static str, &'static str)],
    allow_unknown_model: bool,
    force_fields: &[String],
) -> Result<ReadRequest, Failure> {
    // With the opt-in, an unknown model id is checked as its base model
    // and sent as written.
    let unknown_model = value
        .get("model")
        .and_then(Value::as_str)
        .filter(|id| allow_unknown_model && id.parse::<seedance_core::Model>().is_err())
        .map(str::to_owned);
    let mut checked = value.clone();
    if let Some(id) = &unknown_model {
        checked["model"] = json!(seedance_core::Model::other(id.clone()).base().as_str());
    }
    match seedance_core::GenerationRequest::from_json(&checked) {
        Ok((mut request, mut warnings)) => {
            if let Some(id) = unknown_model {
                request.model = seedance_core::Model::other(id.clone());
                warnings.push(seedance_core::Violation::new(
                    seedance_core::Code::UnknownModel,
                    "model",
                    format!(
                        "`{id}` is not a model this version knows; sent as written (--allow-unknown-model), checked with the rules of `{}`",
                        request.model.base()
                    ),
                ));
            }
            leave_out_refused_fields(&mut request, &mut warnings, force_fields);
            Ok(ReadRequest { request, warnings })
        }
        Err(mut e) => {
            for v in e
                .report
                .errors
                .iter_mut()
                .chain(e.report.warnings.iter_mut())
            {
                let field = v.path.split(['.', '[']).next().unwrap_or_default();
                if let Some((_, flag)) = flagged.iter().find(|(f, _)| *f == field) {
                    v.path = format!("{} ({flag})", v.path);
                }
            }
            Err(Failure::failed(e.to_string()))
        }
    }
}
