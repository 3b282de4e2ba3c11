//! Checking that downloaded bytes are the media they claim to be, as they
//! stream past: no I/O, constant memory.
//!
//! A 200 answer is not proof of a video: proxies answer with HTML pages, a
//! CDN may send a gzip-encoded body, and a body cut at a wrong
//! `Content-Length` is a truncated file. [`MediaCheck`] reads the container
//! structure as chunks arrive: MP4 top-level boxes must start with `ftyp`,
//! include `moov` and `mdat`, and end exactly at the end of the file; PNG chunks must
//! end with `IEND` and nothing after; JPEG must end with its EOI marker;
//! WebP's RIFF size must match; GIF must end with its trailer.
//!
//! ```
//! use seedance_core::media_check::{Expected, MediaCheck, MediaKind};
//!
//! let mut check = MediaCheck::new(Expected::Video);
//! check.feed(b"<!DOCTYPE html><html>502 Bad Gateway</html>");
//! assert!(check.finish().is_err());
//!
//! let mut png = MediaCheck::new(Expected::Image);
//! png.feed(b"\x89PNG\r\n\x1a\n");
//! png.feed(&[0, 0, 0, 0]); // IEND: length 0
//! png.feed(b"IEND");
//! png.feed(&[0xAE, 0x42, 0x60, 0x82]); // its CRC
//! assert_eq!(png.finish(), Ok(MediaKind::Png));
//! ```

use std::fmt;

/// A media format recognised by its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// ISO base media (MP4, MOV): `ftyp` box first.
    Mp4,
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP (RIFF).
    Webp,
    /// GIF.
    Gif,
}

impl MediaKind {
    /// Whether it is a still image.
    pub fn is_image(self) -> bool {
        !matches!(self, MediaKind::Mp4)
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Mp4 => "mp4",
            MediaKind::Png => "png",
            MediaKind::Jpeg => "jpg",
            MediaKind::Webp => "webp",
            MediaKind::Gif => "gif",
        }
    }

    /// Recognises a format from the first bytes of a file (12 are enough).
    pub fn sniff(head: &[u8]) -> Option<MediaKind> {
        if head.len() >= 8 && &head[4..8] == b"ftyp" {
            Some(MediaKind::Mp4)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaKind::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaKind::Jpeg)
        } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
            Some(MediaKind::Webp)
        } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            Some(MediaKind::Gif)
        } else {
            None
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaKind::Mp4 => "MP4",
            MediaKind::Png => "PNG",
            MediaKind::Jpeg => "JPEG",
            MediaKind::Webp => "WebP",
            MediaKind::Gif => "GIF",
        })
    }
}

/// What a download is expected to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A video (MP4/MOV).
    Video,
    /// A still image (PNG, JPEG, WebP, GIF).
    Image,
    /// Any format this module recognises.
    AnyMedia,
}

impl Expected {
    /// The expectation for a file name, by its extension (anything
    /// unrecognised accepts any known media format).
    pub fn for_file_name(name: &str) -> Expected {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("mp4" | "mov" | "m4v") => Expected::Video,
            Some("png" | "jpg" | "jpeg" | "webp" | "gif") => Expected::Image,
            _ => Expected::AnyMedia,
        }
    }

    fn accepts(self, kind: MediaKind) -> bool {
        match self {
            Expected::Video => !kind.is_image(),
            Expected::Image => kind.is_image(),
            Expected::AnyMedia => true,
        }
    }
}

/// Why the bytes are not the expected media.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The bytes are no format this module knows (an HTML page, say).
    #[error("not a media file: it starts with {0}")]
    Unrecognised(String),
    /// A known format, but not the expected kind (an image where a video was due).
    #[error("expected {expected:?}, got {got}")]
    WrongKind {
        /// What was expected.
        expected: Expected,
        /// What arrived.
        got: MediaKind,
    },
    /// The container is cut short, has bytes past its end, or is malformed.
    #[error("{kind} structure is broken: {detail}")]
    Broken {
        /// The format.
        kind: MediaKind,
        /// What is wrong.
        detail: String,
    },
}

/// A streaming check of one file's bytes; feed every chunk in order, then
/// call [`MediaCheck::finish`].
#[derive(Debug, Clone)]
pub struct MediaCheck {
    expected: Expected,
    head: Vec<u8>,
    kind: Option<MediaKind>,
    total: u64,
    /// Offset of the next box/chunk header (MP4, PNG).
    next_record: u64,
    /// Bytes of the header being assembled.
    record_header: Vec<u8>,
    /// MP4: a box of size 0 runs to the end of the file.
    open_ended: bool,
    saw_moov: bool,
    saw_mdat: bool,
    /// PNG: offset just past IEND, once seen.
    iend_end: Option<u64>,
    records: u32,
    tail: [u8; 2],
    error: Option<MediaError>,
}

const SNIFF: usize = 12;

impl MediaCheck {
    /// A check expecting `expected`.
    pub fn new(expected: Expected) -> Self {
        MediaCheck {
            expected,
            head: Vec::with_capacity(SNIFF),
            kind: None,
            total: 0,
            next_record: 0,
            record_header: Vec::with_capacity(16),
            open_ended: false,
            saw_moov: false,
            saw_mdat: false,
            iend_end: None,
            records: 0,
            tail: [0; 2],
            error: None,
        }
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was fed yet.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Feeds the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.error.is_some() || chunk.is_empty() {
            return;
        }
        if self.head.len() < SNIFF {
            let take = (SNIFF - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if chunk.len() >= 2 {
            self.tail = [chunk[chunk.len() - 2], chunk[chunk.len() - 1]];
        } else {
            self.tail = [self.tail[1], chunk[0]];
        }
        let start = self.total;
        self.total += chunk.len() as u64;
        if self.kind.is_none() && self.head.len() >= 8 {
            self.kind = MediaKind::sniff(&self.head);
            if let Some(MediaKind::Png) = self.kind {
                self.next_record = 8;
            }
            if start > 0 && matches!(self.kind, Some(MediaKind::Mp4 | MediaKind::Png)) {
                // Recognised only now: walk the bytes of earlier chunks,
                // all of which are in `head`.
                let head = self.head.clone();
                self.walk(0, &head, 8);
            }
        }
        match self.kind {
            Some(MediaKind::Mp4) => self.walk(start, chunk, 8),
            Some(MediaKind::Png) => self.walk(start, chunk, 8),
            _ => {}
        }
    }

    /// Walks box (MP4) or chunk (PNG) headers that fall inside `chunk`;
    /// a header split across chunks is assembled in `record_header`.
    fn walk(&mut self, start: u64, chunk: &[u8], header_len: usize) {
        let end = start + chunk.len() as u64;
        while self.error.is_none() && !self.open_ended {
            let read_at = self.next_record + self.record_header.len() as u64;
            if read_at >= end || read_at < start {
                return;
            }
            if self.iend_end.is_some() {
                self.fail(format!("{} bytes follow the IEND chunk", end - read_at));
                return;
            }
            let offset = (read_at - start) as usize;
            let want = self.wanted_header_len(header_len) - self.record_header.len();
            let take = want.min(chunk.len() - offset);
            self.record_header
                .extend_from_slice(&chunk[offset..offset + take]);
            if self.record_header.len() < self.wanted_header_len(header_len) {
                continue;
            }
            let header = std::mem::take(&mut self.record_header);
            self.records += 1;
            let record_start = self.next_record;
            match self.kind {
                Some(MediaKind::Mp4) => self.on_box(record_start, &header),
                _ => self.on_png_chunk(record_start, &header),
            }
        }
    }

    /// MP4 boxes with size 1 carry a 64-bit size: 16 header bytes.
    fn wanted_header_len(&self, header_len: usize) -> usize {
        if self.kind == Some(MediaKind::Mp4)
            && self.record_header.len() >= 4
            && self.record_header[..4] == [0, 0, 0, 1]
        {
            16
        } else {
            header_len
        }
    }

    fn on_box(&mut self, start: u64, header: &[u8]) {
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = &header[4..8];
        if self.records == 1 && kind != b"ftyp" {
            self.fail("the first box is not `ftyp`".to_owned());
            return;
        }
        if kind == b"moov" {
            self.saw_moov = true;
        }
        if kind == b"mdat" {
            self.saw_mdat = true;
        }
        let size = match size32 {
            0 => {
                self.open_ended = true;
                return;
            }
            1 => u64::from_be_bytes([
                header[8], header[9], header[10], header[11], header[12], header[13], header[14],
                header[15],
            ]),
            n => u64::from(n),
        };
        let min = if size32 == 1 { 16 } else { 8 };
        if size < min {
            self.fail(format!(
                "box `{}` has an impossible size {size}",
                ascii(kind)
            ));
            return;
        }
        self.set_next(start + size);
    }

    fn on_png_chunk(&mut self, start: u64, header: &[u8]) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if len > 0x7FFF_FFFF {
            self.fail("a chunk length is out of range".to_owned());
            return;
        }
        let next = start + 12 + u64::from(len);
        if &header[4..8] == b"IEND" {
            self.iend_end = Some(next);
        }
        self.set_next(next);
    }

    fn set_next(&mut self, next: u64) {
        self.next_record = next;
    }

    fn fail(&mut self, detail: String) {
        if let Some(kind) = self.kind {
            self.error = Some(MediaError::Broken { kind, detail });
        }
    }

    /// The verdict once every byte was fed.
    pub fn finish(&self) -> Result<MediaKind, MediaError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let Some(kind) = self.kind.or_else(|| MediaKind::sniff(&self.head)) else {
            return Err(MediaError::Unrecognised(describe_head(&self.head)));
        };
        if !self.expected.accepts(kind) {
            return Err(MediaError::WrongKind {
                expected: self.expected,
                got: kind,
            });
        }
        let broken = |detail: String| Err(MediaError::Broken { kind, detail });
        match kind {
            MediaKind::Mp4 => {
                if !self.record_header.is_empty() {
                    return broken("the file ends inside a box header".into());
                }
                if !self.open_ended && self.next_record != self.total {
                    return broken(if self.next_record > self.total {
                        format!(
                            "cut short: its boxes need {} bytes, {} arrived",
                            self.next_record, self.total
                        )
                    } else {
                        format!("{} bytes after the last box", self.total - self.next_record)
                    });
                }
                if !self.saw_moov {
                    return broken("no `moov` box (no playable movie)".into());
                }
                if !self.saw_mdat {
                    return broken("no `mdat` box (the media data is missing)".into());
                }
            }
            MediaKind::Png => match self.iend_end {
                Some(end) if end == self.total => {}
                Some(end) if end > self.total => {
                    return broken("cut short inside the IEND chunk".into());
                }
                Some(_) => return broken("bytes after the IEND chunk".into()),
                None => return broken("cut short: no IEND chunk".into()),
            },
            MediaKind::Jpeg => {
                if self.tail != [0xFF, 0xD9] {
                    return broken("cut short: no end-of-image marker".into());
                }
            }
            MediaKind::Webp => {
                let riff =
                    u32::from_le_bytes([self.head[4], self.head[5], self.head[6], self.head[7]]);
                if u64::from(riff) + 8 != self.total {
                    return broken(format!(
                        "RIFF says {} bytes, {} arrived",
                        u64::from(riff) + 8,
                        self.total
                    ));
                }
            }
            MediaKind::Gif => {
                if self.tail[1] != 0x3B {
                    return broken("cut short: no GIF trailer".into());
                }
            }
        }
        Ok(kind)
    }
}

fn ascii(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() {
                *b as char
            } else {
                '?'
            }
        })
        .collect()
}

fn describe_head(head: &[u8]) -> String {
    if head.is_empty() {
        return "nothing (an empty body)".to_owned();
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return "a gzip header (an encoded body saved raw?)".to_owned();
    }
    let text = ascii(head);
    if head.first() == Some(&b'<') {
        format!("`{text}` (an HTML or XML page)")
    } else {
        format!("`{text}`")
    }
}

/// The pixel size of an image from its first bytes (64 KiB is plenty for
/// the formats here): PNG, GIF, WebP (lossy, lossless, extended) and JPEG
/// (its first start-of-frame marker). `None` when the header is not there.
pub fn image_dimensions(head: &[u8]) -> Option<(u32, u32)> {
    let be16 = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_be_bytes([
            *head.get(i)?,
            *head.get(i + 1)?,
        ])))
    };
    let le16 = |i: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes([
            *head.get(i)?,
            *head.get(i + 1)?,
        ])))
    };
    let le24 = |i: usize| -> Option<u32> {
        Some(
            u32::from(*head.get(i)?)
                | u32::from(*head.get(i + 1)?) << 8
                | u32::from(*head.get(i + 2)?) << 16,
        )
    };
    match MediaKind::sniff(head)? {
        MediaKind::Png => {
            let w = u32::from_be_bytes(head.get(16..20)?.try_into().ok()?);
            let h = u32::from_be_bytes(head.get(20..24)?.try_into().ok()?);
            Some((w, h))
        }
        MediaKind::Gif => Some((le16(6)?, le16(8)?)),
        MediaKind::Webp => match head.get(12..16)? {
            b"VP8 " => Some((le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            b"VP8L" => {
                let bits = u32::from_le_bytes(head.get(21..25)?.try_into().ok()?);
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            _ => None,
        },
        MediaKind::Jpeg => {
            let mut i = 2;
            while i + 9 < head.len() {
                if head[i] != 0xFF {
                    return None;
                }
                let marker = head[i + 1];
                if marker == 0xFF {
                    i += 1;
                    continue;
                }
                let len = be16(i + 2)? as usize;
                let sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if sof {
                    return Some((be16(i + 7)?, be16(i + 5)?));
                }
                i += 2 + len;
            }
            None
        }
        _ => None,
    }
}
