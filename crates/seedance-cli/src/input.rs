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
