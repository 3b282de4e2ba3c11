//! The service fetches the media a request names when the task starts; a
//! link it cannot download fails the request. The simulator does the same
//! for links on this machine (loopback: a test's own media server, an
//! S3-compatible server with presigned URLs), so a broken signed URL fails
//! a test as it would fail on the service. Links elsewhere on the internet
//! are not fetched (tests stay offline).

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every media URL of a request body, with its field.
fn media_urls(body: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in ["image_urls", "video_urls", "audio_urls"] {
        for (i, u) in body[field].as_array().into_iter().flatten().enumerate() {
            if let Some(u) = u.as_str() {
                out.push((format!("{field}[{i}]"), u.to_owned()));
            }
        }
    }
    for (i, r) in body["image_with_roles"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(u) = r["url"].as_str() {
            out.push((format!("image_with_roles[{i}].url"), u.to_owned()));
        }
    }
    out
}

/// (host:port, path and query) of a plain-HTTP loopback URL.
pub(crate) fn loopback(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Some((authority, format!("/{path}")))
}

/// The HTTP status of a GET of `path` on `authority`, or why there is none.
async fn status(authority: &str, host: &str, path: &str) -> Result<u16, String> {
    exchange(authority, host, "GET", path, None).await
}

/// The HTTP status of a request (a JSON body for a POST) to `authority`, or
/// why there is none.
pub(crate) async fn exchange(
    authority: &str,
    host: &str,
    method: &str,
    path: &str,
    json: Option<&[u8]>,
) -> Result<u16, String> {
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connection failed: {e}"))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(body) = json {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(json.unwrap_or_default());
    stream.write_all(&bytes).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 1024];
    let mut got = 0;
    while got < buf.len() && !buf[..got].windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf[got..]).await {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(e.to_string()),
        }
    }
    let line = String::from_utf8_lossy(&buf[..got]);
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "not an HTTP answer".to_owned())
}

/// The first loopback media link of `body` that does not download (not
/// counting `own_media_base`, the simulator's own origin, checked
/// elsewhere): its field and why.
pub(crate) async fn first_dead_link(body: &[u8], own_media_base: &str) -> Option<(String, String)> {
    let body: Value = serde_json::from_slice(body).ok()?;
    for (field, url) in media_urls(&body) {
        if url.starts_with(own_media_base) {
            continue;
        }
        let Some((authority, path)) = loopback(&url) else {
            continue;
        };
        let host = url
            .strip_prefix("http://")
            .and_then(|r| r.split('/').next())
            .unwrap_or(&authority)
            .to_owned();
        let verdict =
            tokio::time::timeout(Duration::from_secs(10), status(&authority, &host, &path))
                .await
                .unwrap_or_else(|_| Err("no answer within 10 s".to_owned()));
        match verdict {
            Ok(200) => {}
            Ok(code) => return Some((field, format!("HTTP {code}"))),
            Err(why) => return Some((field, why)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_links_are_fetched() {
        assert_eq!(
            loopback("http://127.0.0.1:9000/bucket/a.mp4?X-Amz-Signature=1"),
            Some((
                "127.0.0.1:9000".to_owned(),
                "/bucket/a.mp4?X-Amz-Signature=1".to_owned()
            ))
        );
        assert_eq!(loopback("https://example.com/a.mp4"), None);
        assert_eq!(loopback("http://10.0.0.1/a.mp4"), None);
        let body = serde_json::json!({"video_urls": ["a"], "image_with_roles": [{"url": "b", "role": "first_frame"}]});
        assert_eq!(media_urls(&body).len(), 2);
    }
}
