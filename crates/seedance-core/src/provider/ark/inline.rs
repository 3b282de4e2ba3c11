//! Local images and audio sent inline, as Ark accepts them:
//! `data:image/<format>;base64,...` and `data:audio/<format>;base64,...`
//! (format in lower case). Videos must be URLs.

use super::MAX_BODY_BYTES;

/// Why media cannot be sent inline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InlineMediaError {
    /// Not an `image/*` or `audio/*` type: Ark takes videos only as URLs.
    #[error(
        "`{0}` cannot be sent inline: Ark takes images and audio as data URLs, videos only as URLs"
    )]
    NotInlinable(String),
    /// Encoded, it (or the whole request with it) would not fit in one
    /// request body (64 MB).
    #[error(
        "{bytes} bytes encode to more than a request body may carry ({max} bytes): send a URL (a media store publishes local files)"
    )]
    TooLarge {
        /// The media's size.
        bytes: usize,
        /// The body limit.
        max: usize,
    },
}

/// A `data:` URL carrying `bytes` of `mime` (`image/png`, `audio/wav`...)
/// in base64, for an `image_url` or `audio_url` item. The type is written
/// in lower case, as Ark requires.
///
/// ```
/// use seedance_core::provider::ark::inline_data_url;
///
/// assert_eq!(inline_data_url("image/PNG", b"hi!").unwrap(), "data:image/png;base64,aGkh");
/// assert!(inline_data_url("video/mp4", b"...").is_err());
/// ```
pub fn inline_data_url(mime: &str, bytes: &[u8]) -> Result<String, InlineMediaError> {
    let mime = mime.trim().to_ascii_lowercase();
    let ok = mime
        .split_once('/')
        .is_some_and(|(top, sub)| matches!(top, "image" | "audio") && !sub.is_empty());
    if !ok {
        return Err(InlineMediaError::NotInlinable(mime));
    }
    let encoded_len = bytes.len().div_ceil(3) * 4;
    if encoded_len > MAX_BODY_BYTES {
        return Err(InlineMediaError::TooLarge {
            bytes: bytes.len(),
            max: MAX_BODY_BYTES,
        });
    }
    let mut out = String::with_capacity(encoded_len + mime.len() + 13);
    out.push_str("data:");
    out.push_str(&mime);
    out.push_str(";base64,");
    base64_into(bytes, &mut out);
    Ok(out)
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64_into(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64_into(input.as_bytes(), &mut out);
            assert_eq!(out, expected, "{input}");
        }
        let mut out = String::new();
        base64_into(&[0xff, 0xfe, 0xfd], &mut out);
        assert_eq!(out, "//79");
    }

    #[test]
    fn only_images_and_audio() {
        assert_eq!(
            inline_data_url("audio/wav", &[0, 1]).unwrap(),
            "data:audio/wav;base64,AAE="
        );
        assert_eq!(
            inline_data_url("video/mp4", b"x").unwrap_err(),
            InlineMediaError::NotInlinable("video/mp4".into())
        );
        assert!(inline_data_url("image", b"x").is_err());
    }
}
