//! The storyboard page of a finished mock chain, rendered by a real
//! browser: every frame shows where the layout says, with the colours of
//! the file it names, and every reference on the page resolves.

use std::path::Path;

use seedance_tests::{run_cli, workspace_root};
use seedance_workflows::storyboard::layout;

/// RGB pixels of a PNG and its width.
fn rgb(path: &Path) -> (usize, usize, Vec<u8>) {
    let mut decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .flat_map(|p| [p[0], p[1.min(channels - 1)], p[2.min(channels - 1)]])
        .collect();
    (info.width as usize, info.height as usize, pixels)
}

/// Mean colour of a region (x, y, w, h) of an image.
fn mean(img: &(usize, usize, Vec<u8>), x: usize, y: usize, w: usize, h: usize) -> [f64; 3] {
    let (width, _, px) = img;
    let mut sum = [0.0; 3];
    for row in y..y + h {
        for col in x..x + w {
            for (c, s) in sum.iter_mut().enumerate() {
                *s += f64::from(px[(row * width + col) * 3 + c]);
            }
        }
    }
    sum.map(|s| s / (w * h) as f64)
}

/// Every `src="..."` and `href="..."` value of a page.
fn references(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = page;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].to_owned());
        }
    }
    out
}

#[test]
fn the_storyboard_shows_every_frame_where_it_says_in_a_real_browser() {
    let test = "the_storyboard_shows_every_frame_where_it_says_in_a_real_browser";
    let Some(browser) = seedance_tests::chromium_or_skip(test) else {
        return;
    };
    if !seedance_tests::ffmpeg_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("film");
    let plan = workspace_root().join("examples/plans/paper-boat.json");
    let run = run_cli(
        &[
            "--mock",
            "chain",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--stitch",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();

    // No broken reference: every file the page names is there, and the
    // page needs nothing from the network.
    let refs = references(&page);
    assert!(refs.len() >= 9, "{refs:?}");
    for r in &refs {
        assert!(!r.contains("://"), "the page reaches out to {r}");
        assert!(out.join(r).is_file(), "broken reference {r}");
    }

    let n = 4;
    let height = layout::frame_top(n, true) + 20;
    let shot = dir.path().join("shot.png");
    let status = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--mute-audio",
        ])
        .arg(format!("--window-size=1000,{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", out.join("index.html").display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{browser:?} failed");
    let screen = rgb(&shot);
    assert_eq!(screen.0, 1000);
    let (fw, fh) = (layout::FRAME.0 as usize, layout::FRAME.1 as usize);
    let background = mean(&screen, 0, 0, 4, 4);
    for k in 0..n {
        let top = layout::frame_top(k, true) as usize;
        for (x, file) in [
            (layout::FIRST_X, format!("segment_{k:03}_first_frame.png")),
            (layout::LAST_X, format!("segment_{k:03}_last_frame.png")),
        ] {
            // Block by block (4 x 2), so a frame shifted, swapped with
            // another or drawn elsewhere does not pass for it.
            let img = rgb(&out.join(&file));
            for (bx, by) in (0..4).flat_map(|bx| (0..2).map(move |by| (bx, by))) {
                let (sw, sh) = (fw / 4, fh / 2);
                let shown = mean(
                    &screen,
                    x as usize + bx * sw + 3,
                    top + by * sh + 3,
                    sw - 6,
                    sh - 6,
                );
                let (iw, ih) = (img.0 / 4, img.1 / 2);
                let expected = mean(&img, bx * iw + 2, by * ih + 2, iw - 4, ih - 4);
                for c in 0..3 {
                    assert!(
                        (shown[c] - expected[c]).abs() < 12.0,
                        "segment {k}: {file} block ({bx},{by}) is not where the layout puts it: shown {shown:?}, file {expected:?}"
                    );
                }
            }
            let shown = mean(&screen, x as usize + 4, top + 4, fw - 8, fh - 8);
            assert!(
                (0..3).any(|c| (shown[c] - background[c]).abs() > 10.0),
                "segment {k}: {file} shows as page background"
            );
        }
    }
    // The seams of a continuous film are measured and good.
    assert_eq!(page.matches("class=\"good\">PSNR").count(), n - 1, "{page}");
}
