//! The pictures of a simulated video: a source image (the request's first
//! frame or reference image, else a pattern), scaled to cover the output and
//! slowly zoomed and panned. Frame 0 is the source itself when it already
//! has the output's size, so a chain linked by last frames is seamless.

/// An RGB image, 8 bits per channel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rgb {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) pixels: Vec<u8>,
}

/// The documented reduced resolution of simulated videos: 72 pixels on the
/// short side, the long side from the requested aspect ratio (even, as
/// H.264 needs). `adaptive` follows the source image's aspect ratio.
pub(crate) fn output_size(size: &str, source: Option<&Rgb>) -> (usize, usize) {
    const SHORT: usize = 72;
    let even = |x: f64| ((x / 2.0).round() as usize * 2).max(2);
    let (w, h) = match size {
        "9:16" => (9.0, 16.0),
        "1:1" => (1.0, 1.0),
        "4:3" => (4.0, 3.0),
        "3:4" => (3.0, 4.0),
        "21:9" => (21.0, 9.0),
        "adaptive" => match source {
            Some(s) => {
                // Clamped to the ratios the service renders.
                let r = (s.width as f64 / s.height.max(1) as f64).clamp(9.0 / 21.0, 21.0 / 9.0);
                (r, 1.0)
            }
            None => (16.0, 9.0),
        },
        _ => (16.0, 9.0),
    };
    if w >= h {
        (even(SHORT as f64 * w / h), SHORT)
    } else {
        (SHORT, even(SHORT as f64 * h / w))
    }
}

/// A pattern for a video with no image to start from: a diagonal gradient
/// with soft discs, seeded so different seeds differ.
pub(crate) fn pattern(width: usize, height: usize, seed: u64) -> Rgb {
    let mut s = seed | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let discs: Vec<(f64, f64, f64, [f64; 3])> = (0..5)
        .map(|_| {
            let v = next();
            (
                (v & 0xFFFF) as f64 / 65535.0 * width as f64,
                ((v >> 16) & 0xFFFF) as f64 / 65535.0 * height as f64,
                4.0 + ((v >> 32) & 0xFF) as f64 / 255.0 * height as f64 / 3.0,
                [
                    ((v >> 40) & 0xFF) as f64,
                    ((v >> 48) & 0xFF) as f64,
                    ((v >> 56) & 0xFF) as f64,
                ],
            )
        })
        .collect();
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let g = (x + y) as f64 / (width + height) as f64;
            let mut c = [40.0 + 150.0 * g, 60.0 + 100.0 * (1.0 - g), 120.0];
            for &(cx, cy, r, col) in &discs {
                let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                let a = (1.0 - (d - r).max(0.0) / 3.0).clamp(0.0, 1.0);
                for i in 0..3 {
                    c[i] = c[i] * (1.0 - a) + col[i] * a;
                }
            }
            pixels.extend(c.iter().map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    Rgb {
        width,
        height,
        pixels,
    }
}

/// Frame `index` of `count` at `width` x `height`: `source` scaled to cover
/// the frame, panned right by a fifth of its width over the clip (wrapping
/// around, so a long chain never runs out of picture) while the camera
/// breathes in and out by up to 15 %. The first frame shows the covering
/// area and the last is the source shifted by a whole number of pixels, so
/// a chain linked by last frames neither jumps nor blurs at its seams.
pub(crate) fn frame(source: &Rgb, width: usize, height: usize, index: usize, count: usize) -> Rgb {
    let t = if count > 1 {
        index as f64 / (count - 1) as f64
    } else {
        0.0
    };
    let (sw, sh) = (source.width as f64, source.height as f64);
    // Scale that makes the source cover the frame, then the breathing zoom.
    let cover = (width as f64 / sw).max(height as f64 / sh);
    let scale = cover * (1.0 + 0.15 * (std::f64::consts::PI * t).sin());
    let pan = t * (sw / 5.0).round();
    let (cx, cy) = (sw / 2.0 + pan, sh / 2.0);
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        let v = cy + (y as f64 + 0.5 - height as f64 / 2.0) / scale - 0.5;
        for x in 0..width {
            let u = cx + (x as f64 + 0.5 - width as f64 / 2.0) / scale - 0.5;
            pixels.extend_from_slice(&sample(source, u, v));
        }
    }
    Rgb {
        width,
        height,
        pixels,
    }
}

/// Bilinear sample at (u, v): wrapping around horizontally, clamped vertically.
fn sample(img: &Rgb, u: f64, v: f64) -> [u8; 3] {
    let w = img.width as f64;
    let u = u.rem_euclid(w);
    let v = v.clamp(0.0, (img.height - 1) as f64);
    let (x0, y0) = (u.floor() as usize % img.width, v.floor() as usize);
    let (x1, y1) = ((x0 + 1) % img.width, (y0 + 1).min(img.height - 1));
    let (fx, fy) = (u - u.floor(), v - y0 as f64);
    let at = |x: usize, y: usize, c: usize| f64::from(img.pixels[(y * img.width + x) * 3 + c]);
    let mut out = [0u8; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
        let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
        *o = (top * (1.0 - fy) + bottom * fy).round() as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_requested_aspect_ratio() {
        assert_eq!(output_size("16:9", None), (128, 72));
        assert_eq!(output_size("9:16", None), (72, 128));
        assert_eq!(output_size("21:9", None), (168, 72));
        assert_eq!(output_size("4:3", None), (96, 72));
        let tall = pattern(50, 100, 1);
        assert_eq!(output_size("adaptive", Some(&tall)), (72, 144));
    }

    #[test]
    fn frame_zero_of_a_same_size_source_is_the_source() {
        let src = pattern(128, 72, 9);
        assert_eq!(frame(&src, 128, 72, 0, 10), src);
        let last = frame(&src, 128, 72, 9, 10);
        assert_ne!(last, src);
        // The last frame is the source shifted by whole pixels: no blur
        // accumulates along a chain.
        let shift = 26;
        for y in 0..72 {
            for x in 0..128 {
                let at = |img: &Rgb, x: usize| img.pixels[(y * 128 + x) * 3..][..3].to_vec();
                assert_eq!(at(&last, x), at(&src, (x + shift) % 128));
            }
        }
    }
}
