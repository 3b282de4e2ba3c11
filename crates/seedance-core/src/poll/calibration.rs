//! What finished tasks teach about how a service's estimates relate to the truth.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What finished tasks taught about a service's estimates: per model, the
/// ratios of true generation time to `estimated_time`. Small, serializable
/// (the CLI keeps it in a cache file), and pure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Model id (or `*` when unknown) to the latest ratios, newest last.
    ratios: BTreeMap<String, Vec<f64>>,
}

/// Ratios kept per model.
const CALIBRATION_KEEP: usize = 200;
/// Finished tasks needed before a calibration is trusted.
const CALIBRATION_MIN: usize = 5;

impl Calibration {
    /// Records a finished task: `estimate` was the server's estimated time,
    /// `actual` the time it took (both seconds, both positive).
    pub fn record(&mut self, model: &str, estimate: f64, actual: f64) {
        if !(estimate > 0.0 && actual > 0.0 && estimate.is_finite() && actual.is_finite()) {
            return;
        }
        for key in [model, "*"] {
            let v = self.ratios.entry(key.to_owned()).or_default();
            v.push(actual / estimate);
            if v.len() > CALIBRATION_KEEP {
                v.remove(0);
            }
        }
    }

    /// The plausible range of true time / estimate for `model` (falling back
    /// to all models), once enough tasks were seen: the observed range
    /// widened by 15 % on each side.
    pub fn ratio_range(&self, model: Option<&str>) -> Option<(f64, f64)> {
        let v = model
            .and_then(|m| self.ratios.get(m))
            .filter(|v| v.len() >= CALIBRATION_MIN)
            .or_else(|| self.ratios.get("*").filter(|v| v.len() >= CALIBRATION_MIN))?;
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        Some((lo / 1.15, hi * 1.15))
    }

    /// Tasks recorded for `model`.
    pub fn len(&self, model: &str) -> usize {
        self.ratios.get(model).map_or(0, Vec::len)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.ratios.is_empty()
    }
}
