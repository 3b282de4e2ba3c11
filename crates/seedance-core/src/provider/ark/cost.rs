//! What a task costs on Ark: tokens, from the output's pixels and frames.
//!
//! Ark bills `usage.completion_tokens` × the model's price per million
//! tokens; only succeeded tasks are billed. Before paying, the documented
//! estimate is (input video seconds + output seconds) × width × height ×
//! fps / 1024, at a lower rate when a reference video is sent. Published
//! bodies show one frame more than `seconds × 24` (a 5 s 720p 16:9 video:
//! 121 × 1280 × 720 / 1024 = 108,900 tokens; at 1080p, 245,025), so the
//! estimate counts that frame too. Prices change and differ per platform:
//! the table names its source and date and can be replaced
//! ([`TokenPriceTable::from_json`]).
//!
//! ```
//! use seedance_core::provider::{ProviderKind, ark::TokenPriceTable};
//! use seedance_core::{GenerationRequest, Model, Resolution, Size};
//!
//! let table = TokenPriceTable::builtin(ProviderKind::Ark).unwrap();
//! let request = GenerationRequest::new(Model::Seedance2)
//!     .with_prompt("p")
//!     .with_duration(5)
//!     .with_size(Size::Landscape16x9)
//!     .with_resolution(Resolution::P720);
//! let estimate = table.estimate(&request, None);
//! assert_eq!(estimate.tokens, 108_900);
//! assert!((estimate.cost.unwrap() - 108_900.0 * 46.0 / 1e6).abs() < 1e-9); // CNY
//! assert!(!estimate.upper_bound);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::OUTPUT_FPS;
use crate::model::{Model, Resolution, Size};
use crate::output_size::{OutputDims, RATIOS, output_dims};
use crate::pricing::DEFAULT_RESOLUTION;
use crate::provider::ProviderKind;
use crate::request::GenerationRequest;
use crate::response::Task;

/// The largest output at `resolution` (any ratio): an upper bound for
/// `adaptive`.
fn largest_dims(resolution: Resolution) -> OutputDims {
    RATIOS
        .iter()
        .filter_map(|r| output_dims(resolution, *r))
        .max_by_key(|d| d.pixels())
        .unwrap_or(OutputDims {
            width: 1280,
            height: 720,
        })
}

/// Tokens for `seconds` of input video plus output at `dims` and `fps`:
/// ((input + output) × fps + 1) frames × width × height / 1024, rounded up.
pub fn estimate_tokens(input_video_secs: f64, output_secs: u32, dims: OutputDims, fps: u32) -> u64 {
    let seconds = input_video_secs.max(0.0) + f64::from(output_secs);
    let frames = (seconds * f64::from(fps)).ceil() + 1.0;
    (frames * dims.pixels() as f64 / 1024.0).ceil() as u64
}

/// The most reference video a request may carry (seconds), assumed when
/// the caller does not know the clips' lengths.
const MAX_INPUT_VIDEO_SECS: f64 = 15.0;

/// The tokens `request` will use, with `input_video_secs` the total length
/// of its reference videos (`None`: unknown, 15 s assumed when it has
/// any). Returns the tokens, the output size assumed, and whether that is
/// an upper bound (`adaptive` or unset ratio with media input, smart
/// duration `-1`, or unknown reference video lengths).
pub fn tokens_for(
    request: &GenerationRequest,
    input_video_secs: Option<f64>,
) -> (u64, OutputDims, bool) {
    let resolution = request.resolution.unwrap_or(DEFAULT_RESOLUTION);
    let ratio = request.size.unwrap_or(if request.has_visual_input() {
        Size::Adaptive
    } else {
        Size::Landscape16x9
    });
    let mut upper_bound = false;
    let dims = output_dims(resolution, ratio).unwrap_or_else(|| {
        upper_bound = true;
        largest_dims(resolution)
    });
    if request.duration.is_some_and(|d| d < 0) {
        upper_bound = true;
    }
    let input = if request.video_urls.is_empty() {
        0.0
    } else {
        input_video_secs.unwrap_or_else(|| {
            upper_bound = true;
            MAX_INPUT_VIDEO_SECS
        })
    };
    let tokens = estimate_tokens(input, request.effective_duration(), dims, OUTPUT_FPS);
    (tokens, dims, upper_bound)
}

/// Price per million tokens of one model at one resolution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TokenPrice {
    /// When no reference video is sent.
    pub without_video: f64,
    /// When a reference video is sent (the lower rate), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_video: Option<f64>,
}

/// Token prices of one platform, by model and resolution, with their
/// source and date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPriceTable {
    /// The platform the prices are for.
    pub provider: ProviderKind,
    /// Where the prices come from.
    pub source: String,
    /// When they were observed (`YYYY-MM-DD`).
    pub observed: String,
    /// `CNY` (Volcengine) or `USD` (BytePlus).
    pub currency: String,
    /// Project model id (`doubao-seedance-2.0`, `-fast`, `-mini`) →
    /// resolution (`720p`, or `"*"` for every one) → price per million tokens.
    pub per_million: BTreeMap<String, BTreeMap<String, TokenPrice>>,
}

/// An estimate for one request, before paying.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TokenEstimate {
    /// Tokens the request is expected to use.
    pub tokens: u64,
    /// The output size assumed.
    pub dims: OutputDims,
    /// Whether `tokens` is an upper bound rather than a prediction.
    pub upper_bound: bool,
    /// Whether the lower reference-video rate applies.
    pub with_video: bool,
    /// Price per million tokens, when the table has one.
    pub per_million: Option<f64>,
    /// `tokens × per_million / 1e6`, when priced.
    pub cost: Option<f64>,
    /// The table's currency.
    pub currency: String,
}

/// What a finished task was billed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Billed {
    /// `usage.completion_tokens` (0 for a task that did not succeed).
    pub tokens: u64,
    /// Price per million tokens applied.
    pub per_million: f64,
    /// `tokens × per_million / 1e6`.
    pub cost: f64,
    /// The table's currency.
    pub currency: String,
}

fn prices(pairs: &[(&str, f64, f64)]) -> BTreeMap<String, TokenPrice> {
    pairs
        .iter()
        .map(|(res, without, with)| {
            (
                (*res).to_owned(),
                TokenPrice {
                    without_video: *without,
                    with_video: Some(*with),
                },
            )
        })
        .collect()
}

impl TokenPriceTable {
    /// The built-in table of an Ark platform (`None` for apimart, which
    /// bills per second: see [`crate::pricing::PriceTable`]).
    ///
    /// - Volcengine, CNY per million tokens: 2.0 46 (28 with a reference
    ///   video), fast 37 (22); 1080p 51 (31) as one public billing
    ///   implementation charges it (unverified). Mini is not priced.
    /// - BytePlus, USD per million tokens: 2.0 at 480p/720p 7.0 (4.3),
    ///   1080p 7.7 (4.7), 4k 4.0 (2.4); fast 5.6 (3.3); mini 3.5 (2.1).
    ///   Derived from the ratios of Comfy's BytePlus partner prices
    ///   anchored at $7 (2.0) and $3.50 (mini); see `docs/providers.md`.
    pub fn builtin(provider: ProviderKind) -> Option<TokenPriceTable> {
        let (source, currency, per_million) = match provider {
            ProviderKind::Apimart => return None,
            ProviderKind::Ark => (
                "Volcengine Ark Seedance 2.0 pricing (46/28 and 37/22 CNY per million tokens; 1080p 51/31 from a public billing implementation, unverified)",
                "CNY",
                [
                    (
                        "doubao-seedance-2.0",
                        prices(&[("*", 46.0, 28.0), ("1080p", 51.0, 31.0)]),
                    ),
                    ("doubao-seedance-2.0-fast", prices(&[("*", 37.0, 22.0)])),
                ]
                .into_iter()
                .map(|(m, p)| (m.to_owned(), p))
                .collect(),
            ),
            ProviderKind::BytePlus => (
                "BytePlus ModelArk Seedance 2.0 pricing ($7 and $3.50 per million tokens), other rows derived from Comfy-Org/docs partner-node price ratios",
                "USD",
                [
                    (
                        "doubao-seedance-2.0",
                        prices(&[
                            ("480p", 7.0, 4.3),
                            ("720p", 7.0, 4.3),
                            ("1080p", 7.7, 4.7),
                            ("4k", 4.0, 2.4),
                        ]),
                    ),
                    ("doubao-seedance-2.0-fast", prices(&[("*", 5.6, 3.3)])),
                    ("doubao-seedance-2.0-mini", prices(&[("*", 3.5, 2.1)])),
                ]
                .into_iter()
                .map(|(m, p)| (m.to_owned(), p))
                .collect(),
            ),
        };
        Some(TokenPriceTable {
            provider,
            source: source.to_owned(),
            observed: "2026-12-04".to_owned(),
            currency: currency.to_owned(),
            per_million,
        })
    }

    /// Reads a table from JSON of the shape this type serializes to.
    pub fn from_json(text: &str) -> Result<TokenPriceTable, String> {
        let table: TokenPriceTable = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (model, by_res) in &table.per_million {
            for (res, p) in by_res {
                for v in std::iter::once(p.without_video).chain(p.with_video) {
                    if !v.is_finite() || v < 0.0 {
                        return Err(format!("per_million.{model}.{res}: {v} is not a price"));
                    }
                }
            }
        }
        Ok(table)
    }

    /// The price per million tokens of `model` at `resolution`, with or
    /// without a reference video. `-face` variants and platform ids are
    /// priced as their base model.
    pub fn price(&self, model: &Model, resolution: Resolution, with_video: bool) -> Option<f64> {
        let key = match model {
            Model::Other(id) => super::project_model(id).unwrap_or_else(|| model.base()),
            known => known.base(),
        };
        let by_res = self.per_million.get(key.as_str())?;
        let p = by_res
            .get(resolution.as_str())
            .or_else(|| by_res.get("*"))?;
        if with_video {
            p.with_video
        } else {
            Some(p.without_video)
        }
    }

    /// The estimate for `request`; `input_video_secs` as in [`tokens_for`].
    pub fn estimate(
        &self,
        request: &GenerationRequest,
        input_video_secs: Option<f64>,
    ) -> TokenEstimate {
        let (tokens, dims, upper_bound) = tokens_for(request, input_video_secs);
        let with_video = !request.video_urls.is_empty();
        let resolution = request.resolution.unwrap_or(DEFAULT_RESOLUTION);
        let per_million = self.price(&request.model, resolution, with_video);
        TokenEstimate {
            tokens,
            dims,
            upper_bound,
            with_video,
            per_million,
            cost: per_million.map(|p| tokens as f64 * p / 1e6),
            currency: self.currency.clone(),
        }
    }

    /// What a finished Ark task was billed: `usage.completion_tokens` ×
    /// the price of the task's model and resolution (read from the task
    /// body, falling back to `model` and 720p). A task that did not
    /// succeed bills nothing. `None` while the task runs, or when the
    /// table has no price for the model.
    pub fn billed(&self, task: &Task, model: &Model, with_video: bool) -> Option<Billed> {
        let model = task
            .raw
            .get("model")
            .and_then(serde_json::Value::as_str)
            .and_then(super::project_model)
            .unwrap_or_else(|| model.clone());
        let resolution = task
            .raw
            .get("resolution")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| r.to_ascii_lowercase().parse::<Resolution>().ok())
            .unwrap_or(DEFAULT_RESOLUTION);
        let per_million = self.price(&model, resolution, with_video)?;
        let tokens = if task.status.is_unsuccessful() {
            0
        } else if task.status.is_terminal() {
            super::completion_tokens(task)?
        } else {
            return None;
        };
        Some(Billed {
            tokens,
            per_million,
            cost: tokens as f64 * per_million / 1e6,
            currency: self.currency.clone(),
        })
    }
}

/// `task` with its `cost` filled from [`TokenPriceTable::billed`], so that
/// code reading [`Task::billed`] (the workflows, the billed line) works
/// the same under every provider. The currency is the table's. Unchanged
/// when the table has no price or the task is still running.
pub fn priced(mut task: Task, table: &TokenPriceTable, model: &Model, with_video: bool) -> Task {
    if let Some(b) = table.billed(&task, model, with_video) {
        task.cost = Some(b.cost);
    }
    task
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MediaUrl;
    use crate::provider::ark::parse_task_body;

    #[test]
    fn the_published_token_counts_are_reproduced() {
        let d720 = output_dims(Resolution::P720, Size::Landscape16x9).unwrap();
        assert_eq!(estimate_tokens(0.0, 5, d720, 24), 108_900);
        let d1080 = output_dims(Resolution::P1080, Size::Landscape16x9).unwrap();
        assert_eq!(estimate_tokens(0.0, 5, d1080, 24), 245_025);
        assert_eq!(
            output_dims(Resolution::P480, Size::UltraWide21x9)
                .unwrap()
                .pixels(),
            992 * 432
        );
        assert_eq!(output_dims(Resolution::P720, Size::Adaptive), None);
    }

    #[test]
    fn adaptive_unknown_videos_and_smart_duration_are_upper_bounds() {
        let img = MediaUrl::parse("https://e.com/a.png").unwrap();
        let r = GenerationRequest::new(Model::Seedance2).with_image_url(img);
        let (tokens, dims, upper) = tokens_for(&r, None);
        assert!(upper);
        assert_eq!(dims.pixels(), 1112 * 834); // the largest 720p output
        assert_eq!(tokens, estimate_tokens(0.0, 5, dims, 24));
        let v = MediaUrl::parse("https://e.com/v.mp4").unwrap();
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_video_url(v)
            .with_size(Size::Square)
            .with_duration(5);
        let (known, _, upper) = tokens_for(&r, Some(4.0));
        assert!(!upper);
        assert_eq!(
            known,
            estimate_tokens(
                4.0,
                5,
                OutputDims {
                    width: 960,
                    height: 960
                },
                24
            )
        );
        let (unknown, _, upper) = tokens_for(&r, None);
        assert!(upper && unknown > known);
        let r = GenerationRequest::new(Model::Seedance2)
            .with_prompt("p")
            .with_duration(-1);
        let (_, _, upper) = tokens_for(&r, None);
        assert!(upper);
    }

    #[test]
    fn the_reference_video_rate_is_lower() {
        let table = TokenPriceTable::builtin(ProviderKind::Ark).unwrap();
        assert_eq!(
            table.price(&Model::Seedance2, Resolution::P720, false),
            Some(46.0)
        );
        assert_eq!(
            table.price(&Model::Seedance2, Resolution::P720, true),
            Some(28.0)
        );
        assert_eq!(
            table.price(&Model::Seedance2Face, Resolution::P480, true),
            Some(28.0)
        );
        assert_eq!(
            table.price(
                &Model::other("doubao-seedance-2-0-fast-260128"),
                Resolution::P720,
                false
            ),
            Some(37.0)
        );
        assert_eq!(
            table.price(&Model::Seedance2Mini, Resolution::P720, false),
            None
        );
        let bp = TokenPriceTable::builtin(ProviderKind::BytePlus).unwrap();
        assert_eq!(bp.currency, "USD");
        assert_eq!(
            bp.price(&Model::Seedance2Mini, Resolution::P480, true),
            Some(2.1)
        );
        assert!(TokenPriceTable::builtin(ProviderKind::Apimart).is_none());
    }

    #[test]
    fn billed_cost_comes_from_completion_tokens() {
        let table = TokenPriceTable::builtin(ProviderKind::BytePlus).unwrap();
        let done = parse_task_body(
            br#"{"id":"cgt-1","model":"dreamina-seedance-2-0-260128","status":"succeeded","resolution":"1080p",
            "content":{"video_url":"https://x/v.mp4"},"usage":{"completion_tokens":245025,"total_tokens":245025}}"#,
        )
        .unwrap();
        let b = table.billed(&done, &Model::Seedance2Fast, false).unwrap();
        assert_eq!(b.tokens, 245_025);
        assert_eq!(b.per_million, 7.7);
        assert!((b.cost - 1.8866925).abs() < 1e-9);
        let failed = parse_task_body(br#"{"id":"cgt-2","status":"failed"}"#).unwrap();
        assert_eq!(
            table
                .billed(&failed, &Model::Seedance2, false)
                .unwrap()
                .cost,
            0.0
        );
        let running = parse_task_body(br#"{"id":"cgt-3","status":"running"}"#).unwrap();
        assert_eq!(table.billed(&running, &Model::Seedance2, false), None);
        assert_eq!(priced(running, &table, &Model::Seedance2, false).cost, None);
        let done = priced(done, &table, &Model::Seedance2, false);
        assert_eq!(done.billed(), Some(245_025.0 * 7.7 / 1e6));
    }

    #[test]
    fn tables_round_trip_and_bad_prices_are_refused() {
        let table = TokenPriceTable::builtin(ProviderKind::Ark).unwrap();
        let json = serde_json::to_string(&table).unwrap();
        assert_eq!(TokenPriceTable::from_json(&json).unwrap(), table);
        let bad = json.replace("46.0", "-1.0");
        assert!(
            TokenPriceTable::from_json(&bad)
                .unwrap_err()
                .contains("is not a price")
        );
    }
}
