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
}

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
    /// Price per second, when the table has one.
    pub per_second: Option<f64>,
    /// `seconds × per_second`.
    pub cost: Option<f64>,
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
    /// model. The page gave no price for `-fast` or for 4k.
    pub fn builtin() -> PriceTable {
        let base: BTreeMap<String, f64> = [("480p", 0.066), ("720p", 0.216), ("1080p", 0.3849)]
            .into_iter()
            .map(|(r, p)| (r.to_owned(), p))
            .collect();
        let mini: BTreeMap<String, f64> = [("*".to_owned(), 0.01056)].into_iter().collect();
        let per_second = [
            ("doubao-seedance-2.0".to_owned(), base.clone()),
            ("doubao-seedance-2.0-face".to_owned(), base),
            ("doubao-seedance-2.0-mini".to_owned(), mini),
        ]
        .into_iter()
        .collect();
        PriceTable {
            source: "apimart public Seedance 2.0 pricing page (docs.apimart.ai)".to_owned(),
            observed: "2026-10-12".to_owned(),
            currency: "USD".to_owned(),
            per_second,
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
        }
    }

    /// The price per second of `model` at `resolution`.
    pub fn price(&self, model: &str, resolution: &str) -> Option<f64> {
        let prices = self.per_second.get(model)?;
        prices.get(resolution).or_else(|| prices.get("*")).copied()
    }

    /// The estimate for `requests`.
    pub fn estimate<'a>(
        &self,
        requests: impl IntoIterator<Item = &'a GenerationRequest>,
    ) -> CostEstimate {
        let mut lines: BTreeMap<(String, String), CostLine> = BTreeMap::new();
        for r in requests {
            let model = r.model.as_str().to_owned();
            let resolution = r
                .resolution
                .unwrap_or(DEFAULT_RESOLUTION)
                .as_str()
                .to_owned();
            let line = lines
                .entry((model.clone(), resolution.clone()))
                .or_insert_with(|| CostLine {
                    per_second: self.price(&model, &resolution),
                    model,
                    resolution,
                    requests: 0,
                    seconds: 0,
                    cost: None,
                });
            line.requests += 1;
            // "Smart duration" (-1) is priced at the longest the service makes.
            let seconds = u64::from(r.effective_duration());
            line.seconds += seconds;
        }
        let mut total = 0.0;
        let mut unpriced = Vec::new();
        let lines: Vec<CostLine> = lines
            .into_values()
            .map(|mut l| {
                match l.per_second {
                    Some(p) => {
                        let c = p * l.seconds as f64;
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
