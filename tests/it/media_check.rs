//! The streaming media check against real files (the simulator's H.264 MP4
//! and PNG), whatever way the bytes are split into chunks.

use proptest::prelude::*;
use seedance_core::media_check::{Expected, MediaCheck, MediaError, MediaKind};
use seedance_sim::{SAMPLE_MP4, SAMPLE_PNG};

fn check(bytes: &[u8], expected: Expected, cuts: &[usize]) -> Result<MediaKind, MediaError> {
    let mut c = MediaCheck::new(expected);
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts {
        c.feed(&bytes[at..cut.max(at)]);
        at = cut.max(at);
    }
    c.feed(&bytes[at..]);
    c.finish()
}

#[test]
fn real_files_pass_and_pages_fail() {
    assert_eq!(check(SAMPLE_MP4, Expected::Video, &[]), Ok(MediaKind::Mp4));
    assert_eq!(check(SAMPLE_PNG, Expected::Image, &[]), Ok(MediaKind::Png));
    assert!(matches!(
        check(SAMPLE_PNG, Expected::Video, &[]),
        Err(MediaError::WrongKind { .. })
    ));
    let html = b"<html><body><h1>200 OK</h1>Your download will start shortly</body></html>";
    let err = check(html, Expected::Video, &[]).unwrap_err();
    assert!(err.to_string().contains("HTML"), "{err}");
    let gz = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    assert!(
        check(&gz, Expected::Video, &[])
            .unwrap_err()
            .to_string()
            .contains("gzip")
    );
    assert!(check(b"", Expected::Video, &[]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_chunking_gives_the_same_verdict(cuts in prop::collection::vec(0usize..10_000, 0..6)) {
        prop_assert_eq!(check(SAMPLE_MP4, Expected::Video, &cuts), Ok(MediaKind::Mp4));
        prop_assert_eq!(check(SAMPLE_PNG, Expected::Image, &cuts), Ok(MediaKind::Png));
    }

    #[test]
    fn truncation_anywhere_is_caught(frac in 0.0f64..1.0, cuts in prop::collection::vec(0usize..10_000, 0..4)) {
        for sample in [SAMPLE_MP4, SAMPLE_PNG] {
            let keep = ((sample.len() as f64) * frac) as usize;
            let keep = keep.min(sample.len() - 1);
            prop_assert!(check(&sample[..keep], Expected::AnyMedia, &cuts).is_err(), "kept {}", keep);
        }
    }

    #[test]
    fn bytes_after_the_end_are_caught(extra in prop::collection::vec(any::<u8>(), 1..64)) {
        for sample in [SAMPLE_MP4, SAMPLE_PNG] {
            let mut long = sample.to_vec();
            long.extend_from_slice(&extra);
            prop_assert!(check(&long, Expected::AnyMedia, &[]).is_err());
        }
    }
}
