//! Reading JSON input from a file or standard input (`-`).

use std::io::Read;
use std::path::Path;

/// Why input could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    #[error("cannot read {name}: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name} is not valid JSON: {source}")]
    NotJson {
        name: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Reads and parses JSON from `path`, or from `stdin` when `path` is `-`.
pub(crate) fn read_json(
    path: &Path,
    stdin: &mut dyn Read,
) -> Result<serde_json::Value, InputError> {
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        stdin
            .read_to_end(&mut buf)
            .map_err(|source| InputError::Io {
                name: "standard input".into(),
                source,
            })?;
        ("standard input".to_owned(), buf)
    } else {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| InputError::Io {
            name: name.clone(),
            source,
        })?;
        (name, bytes)
    };
    serde_json::from_slice(&bytes).map_err(|source| InputError::NotJson { name, source })
}

/// The directory relative paths inside `file` are read from.
pub(crate) fn parent_dir(file: &Path) -> std::path::PathBuf {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf)
}

/// Reads `path` (or standard input for `-`) as text.
pub(crate) fn read_text(path: &Path, stdin: &mut dyn Read) -> Result<(String, String), InputError> {
    if path.as_os_str() == "-" {
        let mut buf = String::new();
        stdin
            .read_to_string(&mut buf)
            .map_err(|source| InputError::Io {
                name: "standard input".into(),
                source,
            })?;
        return Ok(("standard input".to_owned(), buf));
    }
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Io {
        name: name.clone(),
        source,
    })?;
    Ok((name, text))
}
