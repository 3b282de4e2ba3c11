//! `--prices live`: the service's public prices (`GET /api/pricing/model`,
//! one request per known model, no key needed), kept for the day in the
//! cache directory (`prices-live.json` beside `calibration.json`) with the
//! date they were fetched. When none can be fetched, the cached table (even
//! an older one) is used, else the built-in table, with a warning either
//! way. `--mock` never reads or writes the cache: the simulator's prices are
//! its own.

use std::io::Write;
use std::path::PathBuf;

use seedance_core::Model;
use seedance_core::pricing::PriceTable;

use crate::context::Context;
use crate::output::printable;

/// The cache file's name.
const CACHE_FILE: &str = "prices-live.json";

/// Today's date (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    civil_date(secs.div_euclid(86_400))
}

/// The civil date of `days` since 1970-01-01.
fn civil_date(days: i64) -> String {
    seedance_core::civil_time::CivilTime::from_unix(days * 86_400).date()
}

fn cache_path() -> Option<PathBuf> {
    Some(crate::calibration::cache_dir()?.join(CACHE_FILE))
}

fn read_cache(path: Option<&PathBuf>) -> Option<PriceTable> {
    let text = std::fs::read_to_string(path?).ok()?;
    PriceTable::from_json(&text).ok()
}

fn write_cache(path: Option<&PathBuf>, table: &PriceTable) {
    let Some(path) = path else { return };
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let _ = seedance_workflows::fresh_file::write_fresh(path, |w| {
        serde_json::to_writer_pretty(&mut *w, table).map_err(std::io::Error::other)
    });
}

/// The table `--prices live` stands for (see the module docs); warnings
/// on `err`.
pub(crate) async fn resolve(ctx: &Context, err: &mut dyn Write) -> PriceTable {
    let path = if ctx.mock { None } else { cache_path() };
    let today = today();
    if let Some(cached) = read_cache(path.as_ref()).filter(|t| t.observed == today) {
        return cached;
    }
    let mut prices = Vec::new();
    let mut failures = Vec::new();
    for model in Model::ALL {
        match ctx.client.model_pricing(model.as_str()).await {
            Ok(p) => prices.push(p),
            Err(e) => failures.push(format!("{}: {e}", model.as_str())),
        }
    }
    if prices.is_empty() {
        let fallback = read_cache(path.as_ref());
        let (table, what) = match fallback {
            Some(t) => {
                let what = format!("the prices cached on {}", t.observed);
                (t, what)
            }
            None => (PriceTable::builtin(), "the built-in price table".to_owned()),
        };
        let _ = writeln!(
            err,
            "warning: --prices live: the public prices could not be read ({}); estimating with {what}",
            printable(&failures.join("; "))
        );
        return table;
    }
    if !failures.is_empty() {
        let _ = writeln!(
            err,
            "warning: --prices live: no public price for {}",
            printable(&failures.join("; "))
        );
    }
    let table = PriceTable::from_live(&prices, &today, &PriceTable::builtin().currency);
    write_cache(path.as_ref(), &table);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_373), "2025-10-12");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
