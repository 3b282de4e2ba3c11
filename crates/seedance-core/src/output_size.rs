//! The pixel size Seedance 2.0 outputs at each resolution and aspect
//! ratio: what a first or last frame must match for the video not to jump,
//! and (on Ark) what tokens are billed for. The same on every provider.

use serde::Serialize;

use crate::model::{Resolution, Size};

/// Pixel size of an output video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutputDims {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl OutputDims {
    /// Width × height.
    pub fn pixels(self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// The ratios with a fixed output size, in the order of [`DIMS`]' rows.
pub(crate) const RATIOS: [Size; 6] = [
    Size::Landscape16x9,
    Size::Classic4x3,
    Size::Square,
    Size::Classic3x4,
    Size::Portrait9x16,
    Size::UltraWide21x9,
];

/// Width and height per resolution, in the order of [`RATIOS`]. 480p-1080p
/// from Volcengine's create-task reference ("seedance 1.5 pro / 2.0 & 2.0
/// fast" column); 4k from third-party client code only (unverified).
const DIMS: [(Resolution, [(u32, u32); 6]); 4] = [
    (
        Resolution::P480,
        [
            (864, 496),
            (752, 560),
            (640, 640),
            (560, 752),
            (496, 864),
            (992, 432),
        ],
    ),
    (
        Resolution::P720,
        [
            (1280, 720),
            (1112, 834),
            (960, 960),
            (834, 1112),
            (720, 1280),
            (1470, 630),
        ],
    ),
    (
        Resolution::P1080,
        [
            (1920, 1080),
            (1664, 1248),
            (1440, 1440),
            (1248, 1664),
            (1080, 1920),
            (2206, 946),
        ],
    ),
    (
        Resolution::K4,
        [
            (3840, 2160),
            (3326, 2494),
            (2880, 2880),
            (2494, 3326),
            (2160, 3840),
            (4398, 1886),
        ],
    ),
];

/// The pixel size Seedance 2.0 outputs at `resolution` and `ratio`, or
/// `None` for `adaptive` (known only once the task ran: the task's `ratio`).
pub fn output_dims(resolution: Resolution, ratio: Size) -> Option<OutputDims> {
    let i = RATIOS.iter().position(|r| *r == ratio)?;
    let (_, row) = DIMS.iter().find(|(r, _)| *r == resolution)?;
    let (width, height) = row[i];
    Some(OutputDims { width, height })
}
