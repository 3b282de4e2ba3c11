//! The calibration cache: what finished tasks taught about the service's
//! estimates (per model, the ratio of actual to estimated time), kept
//! between runs so polling starts informed. `$SEEDANCE_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/seedance`, else `~/.cache/seedance`, file
//! `calibration.json`. Opt out with `--no-calibration` or
//! `SEEDANCE_NO_CALIBRATION=1`. It holds only model ids and numbers.

use std::path::PathBuf;

use seedance_core::Calibration;

/// The environment variable that turns the cache off.
pub(crate) const OPT_OUT_ENV: &str = "SEEDANCE_NO_CALIBRATION";

/// Where the cache lives, unless turned off.
pub(crate) fn path(disabled: bool) -> Option<PathBuf> {
    if disabled || std::env::var_os(OPT_OUT_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return None;
    }
    Some(cache_dir()?.join("calibration.json"))
}

/// seedance's cache directory: `$SEEDANCE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/seedance`, else `~/.cache/seedance` (also where
/// `--prices live` keeps the prices it fetched).
pub(crate) fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("SEEDANCE_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("seedance")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("seedance"))
        })
}

/// The cached calibration, or an empty one (a missing or unreadable cache
/// is not an error: it only makes polling less informed).
pub(crate) fn load(path: Option<&PathBuf>) -> Calibration {
    path.and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Saves `calibration` (best effort: a fresh temporary file renamed into place).
pub(crate) fn save(path: Option<&PathBuf>, calibration: &Calibration) {
    let Some(path) = path else { return };
    if calibration.is_empty() {
        return;
    }
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let _ = seedance_workflows::fresh_file::write_fresh(path, |w| {
        serde_json::to_writer(&mut *w, calibration).map_err(std::io::Error::other)
    });
}
