//! Frames to files: H.264 with openh264 (a well-kept encoder, built from
//! source, no system library), muxed into MP4 with the `mp4` crate; frames
//! to and from PNG with the `png` crate.

use std::io::Cursor;

use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, IntraFramePeriod, QpRange, RateControlMode,
};
use openh264::formats::{RgbSliceU8, YUVBuffer};

use super::frames::Rgb;

/// Frames per second of every simulated video.
pub(crate) const FPS: u32 = 24;

const TICKS_PER_FRAME: u32 = 512;
const TIMESCALE: u32 = FPS * TICKS_PER_FRAME;

/// Why a file could not be made (never expected; reported as a 500).
#[derive(Debug)]
pub(crate) struct EncodeError(pub(crate) String);

fn err(e: impl std::fmt::Display) -> EncodeError {
    EncodeError(e.to_string())
}

/// Encodes `frames` (all the same size) as an H.264 MP4 at [`FPS`].
pub(crate) fn mp4(frames: &[Rgb]) -> Result<Vec<u8>, EncodeError> {
    let first = frames.first().ok_or_else(|| err("no frames"))?;
    let (w, h) = (first.width, first.height);
    let config = EncoderConfig::new()
        .max_frame_rate(FrameRate::from_hz(FPS as f32))
        .rate_control_mode(RateControlMode::Off)
        // Near-transparent quality: a seam between two clips must survive
        // coding (and the stitch) above 30 dB PSNR.
        .qp(QpRange::new(14, 20))
        .bitrate(BitRate::from_bps(4_000_000))
        .skip_frames(false)
        .intra_frame_period(IntraFramePeriod::from_num_frames(FPS * 2));
    let mut encoder = Encoder::with_api_config(OpenH264API::from_source(), config).map_err(err)?;
    let mut sps = None;
    let mut pps = None;
    let mut samples: Vec<(Vec<u8>, bool)> = Vec::with_capacity(frames.len());
    for f in frames {
        let yuv = YUVBuffer::from_rgb8_source(RgbSliceU8::new(&f.pixels, (w, h)));
        let stream = encoder.encode(&yuv).map_err(err)?;
        let mut sample = Vec::new();
        let mut sync = false;
        for l in 0..stream.num_layers() {
            let Some(layer) = stream.layer(l) else {
                continue;
            };
            for n in 0..layer.nal_count() {
                let Some(nal) = layer.nal_unit(n) else {
                    continue;
                };
                let body = strip_start_code(nal);
                match body.first().map(|b| b & 0x1F) {
                    Some(7) => sps = Some(body.to_vec()),
                    Some(8) => pps = Some(body.to_vec()),
                    Some(t) => {
                        sync |= t == 5;
                        sample.extend_from_slice(&(body.len() as u32).to_be_bytes());
                        sample.extend_from_slice(body);
                    }
                    None => {}
                }
            }
        }
        samples.push((sample, sync));
    }
    let (Some(sps), Some(pps)) = (sps, pps) else {
        return Err(err("the encoder produced no SPS/PPS"));
    };
    let mut writer = mp4::Mp4Writer::write_start(
        Cursor::new(Vec::new()),
        &mp4::Mp4Config {
            major_brand: str::parse("isom").map_err(err)?,
            minor_version: 512,
            compatible_brands: vec![
                str::parse("isom").map_err(err)?,
                str::parse("avc1").map_err(err)?,
                str::parse("mp41").map_err(err)?,
            ],
            // The track's own timescale: the mp4 crate converts each
            // sample's duration to the movie's with integer division, so
            // any other value would shorten the movie.
            timescale: TIMESCALE,
        },
    )
    .map_err(err)?;
    writer
        .add_track(&mp4::TrackConfig {
            track_type: mp4::TrackType::Video,
            timescale: TIMESCALE,
            language: "und".to_owned(),
            media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                width: w as u16,
                height: h as u16,
                seq_param_set: sps,
                pic_param_set: pps,
            }),
        })
        .map_err(err)?;
    for (i, (bytes, sync)) in samples.into_iter().enumerate() {
        if bytes.is_empty() {
            continue;
        }
        writer
            .write_sample(
                1,
                &mp4::Mp4Sample {
                    start_time: i as u64 * u64::from(TICKS_PER_FRAME),
                    duration: TICKS_PER_FRAME,
                    rendering_offset: 0,
                    is_sync: sync,
                    bytes: bytes.into(),
                },
            )
            .map_err(err)?;
    }
    writer.write_end().map_err(err)?;
    Ok(writer.into_writer().into_inner())
}

fn strip_start_code(nal: &[u8]) -> &[u8] {
    nal.strip_prefix(&[0, 0, 0, 1])
        .or_else(|| nal.strip_prefix(&[0, 0, 1]))
        .unwrap_or(nal)
}

/// `img` as a PNG.
pub(crate) fn png(img: &Rgb) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, img.width as u32, img.height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&img.pixels).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// A PNG as RGB (grey, alpha and palette images converted), or `None` when
/// it is not a PNG this simulator reads.
pub(crate) fn decode_png(bytes: &[u8]) -> Option<Rgb> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    let (width, height) = (info.width as usize, info.height as usize);
    if width == 0 || height == 0 || width * height > 16_000_000 {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut buf).ok()?;
    let data = &buf[..frame.buffer_size()];
    let channels = frame.color_type.samples();
    let mut pixels = Vec::with_capacity(width * height * 3);
    for px in data.chunks_exact(channels) {
        match channels {
            1 | 2 => pixels.extend_from_slice(&[px[0], px[0], px[0]]),
            _ => pixels.extend_from_slice(&px[..3]),
        }
    }
    Some(Rgb {
        width,
        height,
        pixels,
    })
}
