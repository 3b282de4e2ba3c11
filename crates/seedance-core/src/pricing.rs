//! What a set of requests will cost, before anything is paid.
//!
//! apimart bills per generated second, by model and resolution. The task's
//! own `cost` field is the truth; this is an estimate from a price table
//! that names its source and date, because prices change. Users replace the
//! built-in table with their own (the CLI's `--prices FILE`, this module's
//! [`PriceTable::from_json`]).
//!
//! ```
//! use seedance_core::pricing::PriceTable;
//! use seedance_core::{GenerationRequest, Model, Resolution};
//!
//! let table = PriceTable::builtin();
//! let request = GenerationRequest::new(Model::Seedance2)
//!     .with_duration(10)
//!     .with_resolution(Resolution::P720);
//! let estimate = table.estimate([&request]);
//! assert!((estimate.total - 2.16).abs() < 1e-9); // 10 s x 0.216 USD
//! assert!(estimate.unpriced.is_empty());
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Resolution;
use crate::request::GenerationRequest;

/// Prices per generated second, by model id and resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// Where the prices come from (a URL or a description).
    pub source: String,
    /// When they were observed (`YYYY-MM-DD`).
    pub observed: String,
    /// The currency (`USD`).
    pub currency: String,
    /// Model id -> resolution (`480p`...) -> price per second. A model may
    /// give `"*"` for every resolution.
    pub per_second: BTreeMap<String, BTreeMap<String, f64>>,
    /// The same, for requests with a reference video: such a request is
    /// billed for its input seconds too (input + output), at this lower
    /// rate. A model without an entry here is billed at `per_second`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub with_video_per_second: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The seconds of reference video a request sends, when unknown (a URL not
/// probed): the most the service accepts in total (15 s, rounded down from
/// the reference's 15.2 s), so an estimate errs high, never low.
pub const ASSUMED_REFERENCE_VIDEO_SECONDS: u64 = 15;

/// The resolution the service uses when a request sets none (the reference's
/// default; older pages said 480p, so estimates say which they assumed).
pub const DEFAULT_RESOLUTION: Resolution = Resolution::P720;

/// The generated seconds and cost of one model and resolution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    /// Model id.
    pub model: String,
    /// Resolution (`720p` when the requests left it to the server).
    pub resolution: String,
    /// Requests in this line.
    pub requests: usize,
    /// Seconds of video they generate.
    pub seconds: u64,
    /// Whether these requests send a reference video (billed input seconds,
    /// at the table's with-video rate).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub with_video: bool,
    /// Seconds of reference video billed as input (0 without one).
    #[serde(skip_serializing_if = "is_zero")]
    pub input_seconds: u64,
    /// Some input seconds were not known and were counted at
    /// [`ASSUMED_REFERENCE_VIDEO_SECONDS`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub input_assumed: bool,
    /// Price per second, when the table has one.
    pub per_second: Option<f64>,
    /// `(seconds + input_seconds) × per_second`.
    pub cost: Option<f64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An estimate over many requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostEstimate {
    /// One line per model and resolution, in a stable order.
    pub lines: Vec<CostLine>,
    /// The sum of every priced line.
    pub total: f64,
    /// The currency.
    pub currency: String,
    /// The table's source and date, to print beside the total.
    pub source: String,
    /// When the table was observed.
    pub observed: String,
    /// `model resolution` pairs the table has no price for: the total
    /// leaves them out.
    pub unpriced: Vec<String>,
}

impl PriceTable {
    /// Prices observed on 2026-10-12 on apimart's public Seedance 2.0 page
    /// (USD per generated second): 2.0 at 480p 0.066, 720p 0.216, 1080p
    /// 0.3849; Mini 0.01056. The `-face` variant is priced like its base
    /// model. From a third-party table of apimart's prices (the same
    /// period), what that page left out: 2.0 at 4k 0.722; `-fast` at 720p
    /// 0.114 (`-fast-face` alike); and the rates with a reference video
    /// (input seconds billed too): 2.0 at 480p/720p/1080p/4k
    /// 0.04/0.0858/0.2157/0.4443, `-fast` at 720p 0.068.
    pub fn builtin() -> PriceTable {
        let rates = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
            pairs.iter().map(|(r, p)| ((*r).to_owned(), *p)).collect()
        };
        let base = rates(&[
            ("480p", 0.066),
            ("720p", 0.216),
            ("1080p", 0.3849),
            ("4k", 0.722),
        ]);
        let fast = rates(&[("720p", 0.114)]);
        let base_video = rates(&[
            ("480p", 0.04),
            ("720p", 0.0858),
            ("1080p", 0.2157),
            ("4k", 0.4443),
        ]);
        let fast_video = rates(&[("720p", 0.068)]);
        let per_second = [
            ("doubao-seedance-2.0".to_owned(), base.clone()),
            ("doubao-seedance-2.0-face".to_owned(), base),
            ("doubao-seedance-2.0-fast".to_owned(), fast.clone()),
            ("doubao-seedance-2.0-fast-face".to_owned(), fast),
            (
                "doubao-seedance-2.0-mini".to_owned(),
                rates(&[("*", 0.01056)]),
            ),
        ]
        .into_iter()
        .collect();
        let with_video_per_second = [
            ("doubao-seedance-2.0".to_owned(), base_video.clone()),
            ("doubao-seedance-2.0-face".to_owned(), base_video),
            ("doubao-seedance-2.0-fast".to_owned(), fast_video.clone()),
            ("doubao-seedance-2.0-fast-face".to_owned(), fast_video),
        ]
        .into_iter()
        .collect();
        PriceTable {
            source: "apimart public Seedance 2.0 pricing page (docs.apimart.ai), with 4k, -fast and reference-video rates from a third-party table of apimart prices".to_owned(),
            observed: "2026-10-12".to_owned(),
            currency: "USD".to_owned(),
            per_second,
            with_video_per_second,
        }
    }

    /// Reads a table from JSON of the same shape as this type serializes to.
    pub fn from_json(text: &str) -> Result<PriceTable, String> {
        let table: PriceTable = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (model, prices) in &table.per_second {
            for (res, p) in prices {
                if !p.is_finite() || *p < 0.0 {
                    return Err(format!("per_second.{model}.{res}: {p} is not a price"));
                }
            }
        }
        Ok(table)
    }

    /// A table from the service's public prices (`GET /api/pricing/model`,
    /// one answer per model, see [`crate::discovery::parse_pricing_body`]),
    /// observed on `observed` (`YYYY-MM-DD`). Resolutions are lower-cased
    /// (`720P` is `720p`).
    pub fn from_live(
        prices: &[crate::discovery::ModelPrice],
        observed: &str,
        currency: &str,
    ) -> PriceTable {
        PriceTable {
            source: "apimart public pricing endpoint (GET /api/pricing/model)".to_owned(),
            observed: observed.to_owned(),
            currency: currency.to_owned(),
            per_second: prices
                .iter()
                .map(|p| (p.model.clone(), p.per_second.clone()))
                .collect(),
            with_video_per_second: BTreeMap::new(),
        }
    }

    /// The price per second of `model` at `resolution`.
    pub fn price(&self, model: &str, resolution: &str) -> Option<f64> {
        let prices = self.per_second.get(model)?;
        prices.get(resolution).or_else(|| prices.get("*")).copied()
    }

    /// The price per billed second of `model` at `resolution` for a request
    /// with a reference video (input and output seconds alike): the table's
    /// with-video rate, or its plain rate when it has none.
    pub fn price_with_video(&self, model: &str, resolution: &str) -> Option<f64> {
        self.with_video_per_second
            .get(model)
            .and_then(|p| p.get(resolution).or_else(|| p.get("*")).copied())
            .or_else(|| self.price(model, resolution))
    }

    /// The estimate for `requests`, with every reference video's length
    /// unknown (counted at [`ASSUMED_REFERENCE_VIDEO_SECONDS`] per request).
    pub fn estimate<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
    ) -> CostEstimate {
        self.estimate_with_inputs(requests, |_| None)
    }

    /// The estimate for `requests`, where `video_seconds(url)` gives the
    /// length of a reference video when known (a probed local clip). A
    /// request with reference videos is billed for input + output seconds
    /// at the with-video rate; unknown lengths count the most the service
    /// accepts, so the estimate errs high.
    pub fn estimate_with_inputs<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
        video_seconds: impl Fn(&str) -> Option<f64>,
    ) -> CostEstimate {
        let mut lines: BTreeMap<(String, String, bool), CostLine> = BTreeMap::new();
        for r in requests {
            let model = r.model.as_str().to_owned();
            let resolution = r
                .resolution
                .unwrap_or(DEFAULT_RESOLUTION)
                .as_str()
                .to_owned();
            let with_video = !r.video_urls.is_empty();
            let line = lines
                .entry((model.clone(), resolution.clone(), with_video))
                .or_insert_with(|| CostLine {
                    per_second: if with_video {
                        self.price_with_video(&model, &resolution)
                    } else {
                        self.price(&model, &resolution)
                    },
                    model,
                    resolution,
                    requests: 0,
                    seconds: 0,
                    with_video,
                    input_seconds: 0,
                    input_assumed: false,
                    cost: None,
                });
            line.requests += 1;
            // "Smart duration" (-1) is priced at the longest the service makes.
            let seconds = u64::from(r.effective_duration());
            line.seconds += seconds;
            if with_video {
                let known: Option<f64> =
                    r.video_urls.iter().map(|u| video_seconds(u.as_str())).sum();
                match known {
                    Some(s) => line.input_seconds += s.ceil().max(0.0) as u64,
                    None => {
                        line.input_seconds += ASSUMED_REFERENCE_VIDEO_SECONDS;
                        line.input_assumed = true;
                    }
                }
            }
        }
        let mut total = 0.0;
        let mut unpriced = Vec::new();
        let lines: Vec<CostLine> = lines
            .into_values()
            .map(|mut l| {
                match l.per_second {
                    Some(p) => {
                        let c = p * (l.seconds + l.input_seconds) as f64;
                        total += c;
                        l.cost = Some(c);
                    }
                    None => unpriced.push(format!("{} {}", l.model, l.resolution)),
                }
                l
            })
            .collect();
        CostEstimate {
            lines,
            total,
            currency: self.currency.clone(),
            source: self.source.clone(),
            observed: self.observed.clone(),
            unpriced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MediaUrl, Model, Resolution};

    #[test]
    fn a_reference_video_is_billed_for_input_and_output_seconds_at_its_rate() {
        let table = PriceTable::builtin();
        let plain = GenerationRequest::new(Model::Seedance2)
            .with_duration(5)
            .with_resolution(Resolution::P720);
        let mut with_clip = plain.clone();
        with_clip.video_urls = vec![MediaUrl::parse("https://cdn.example/clip.mp4").unwrap()];
        let known = table.estimate_with_inputs([&plain, &with_clip], |_| Some(4.2));
        assert_eq!(known.lines.len(), 2);
        let video = known.lines.iter().find(|l| l.with_video).unwrap();
        assert_eq!((video.seconds, video.input_seconds), (5, 5));
        assert!((video.cost.unwrap() - 10.0 * 0.0858).abs() < 1e-9);
        assert!((known.total - (5.0 * 0.216 + 10.0 * 0.0858)).abs() < 1e-9);
        // Unknown length: counted at the most the service takes.
        let unknown = table.estimate([&with_clip]);
        assert_eq!(
            unknown.lines[0].input_seconds,
            ASSUMED_REFERENCE_VIDEO_SECONDS
        );
        assert!(unknown.lines[0].input_assumed);
    }

    #[test]
    fn fast_and_4k_have_prices_and_a_table_without_video_rates_uses_its_plain_rate() {
        let table = PriceTable::builtin();
        assert_eq!(table.price("doubao-seedance-2.0-fast", "720p"), Some(0.114));
        assert_eq!(table.price("doubao-seedance-2.0", "4k"), Some(0.722));
        let own = PriceTable::from_json(
            r#"{"source":"mine","observed":"2026-12-01","currency":"USD","per_second":{"doubao-seedance-2.0":{"*":0.1}}}"#,
        )
        .unwrap();
        assert_eq!(
            own.price_with_video("doubao-seedance-2.0", "720p"),
            Some(0.1)
        );
    }
}
