//! Client overhead: validating and serializing a maximal request, against
//! serializing it alone; parsing a completed task body.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use seedance_core::{GenerationRequest, MediaUrl, Model, Resolution, Size, Tool, parse_task_body};

fn maximal_request() -> GenerationRequest {
    let url = |s: String| MediaUrl::parse(&s).unwrap();
    let mut r = GenerationRequest::new(Model::Seedance2)
        .with_prompt("가".repeat(2000) + &"a".repeat(2000))
        .with_duration(15)
        .with_size(Size::Landscape16x9)
        .with_resolution(Resolution::K4)
        .with_seed(42)
        .with_generate_audio(true)
        .with_return_last_frame(true)
        .with_tool(Tool::WEB_SEARCH);
    for i in 0..9 {
        r = r.with_image_url(url(format!("https://images.example.com/reference/{i}.jpg")));
    }
    for i in 0..3 {
        r = r.with_video_url(url(format!("https://videos.example.com/reference/{i}.mp4")));
        r = r.with_audio_url(url(format!("https://audio.example.com/reference/{i}.mp3")));
    }
    assert!(r.validate().is_valid());
    r
}

const COMPLETED: &[u8] = br#"{"code":200,"data":{"id":"task_01KMCGF6BQGN3X28H3KSR50X5T","status":"completed","progress":100,"created":1762853695,"completed":1762853791,"estimated_time":90,"actual_time":96,"cost":1.25,"result":{"videos":[{"url":["https://cdn.example.com/v/x.mp4?expires=1762940191&sig=abcdef0123456789"],"expires_at":1762940191}],"thumbnail_url":"https://cdn.example.com/v/x.jpg","last_frame_url":"https://cdn.example.com/v/x_last.png"}}}"#;

fn overhead(c: &mut Criterion) {
    let request = maximal_request();
    c.bench_function("serialize_only", |b| {
        b.iter(|| serde_json::to_vec(black_box(&request)).unwrap())
    });
    c.bench_function("validate_and_serialize", |b| {
        b.iter(|| {
            let r = black_box(&request);
            assert!(r.validate().is_valid());
            serde_json::to_vec(r).unwrap()
        })
    });
    c.bench_function("parse_completed_task", |b| {
        b.iter(|| parse_task_body(black_box(COMPLETED)).unwrap())
    });
}

criterion_group!(benches, overhead);
criterion_main!(benches);
