//! A mutation fuzzer for every parser of server data and for `validate_json`
//! on raw JSON, on the stable toolchain (cargo-fuzz needs nightly): seeded,
//! deterministic, millions of inputs per minute in release mode.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use seedance_core::rng::SplitMix64;
use seedance_core::validate::KNOWN_FIELDS;
use seedance_core::{
    GenerationRequest, parse_error_body, parse_submit_body, parse_task_body, validate_json,
};
use serde_json::{Map, Value};

const SEEDS: &[&[u8]] = &[
    include_bytes!("../../../tests/fixtures/responses/submit_array.json"),
    include_bytes!("../../../tests/fixtures/responses/submit_object.json"),
    include_bytes!("../../../tests/fixtures/responses/task_pending.json"),
    include_bytes!("../../../tests/fixtures/responses/task_processing.json"),
    include_bytes!("../../../tests/fixtures/responses/task_completed.json"),
    include_bytes!("../../../tests/fixtures/responses/task_completed_last_frame_images.json"),
    include_bytes!("../../../tests/fixtures/responses/task_failed.json"),
    include_bytes!("../../../tests/fixtures/responses/task_failed_bare_string.json"),
    include_bytes!("../../../tests/fixtures/responses/error_429.json"),
    include_bytes!("../../../tests/fixtures/responses/error_502_html.txt"),
    include_bytes!("../../../examples/requests/03-first-and-last-frame.json"),
    include_bytes!("../../../examples/requests/09-multimodal-reference.json"),
    include_bytes!("../../../examples/requests/13-asset-image-and-motion-reference.json"),
];

/// Keys of response bodies; request keys come from `KNOWN_FIELDS`.
const RESPONSE_KEYS: &[&str] = &[
    "code",
    "data",
    "id",
    "task_id",
    "status",
    "progress",
    "result",
    "videos",
    "url",
    "expires_at",
    "last_frame_url",
    "images",
    "error",
    "message",
    "type",
    "role",
];

fn key(rng: &mut SplitMix64) -> &'static str {
    let pick = rng.next_u64() as usize;
    if pick.is_multiple_of(2) {
        RESPONSE_KEYS[(pick / 2) % RESPONSE_KEYS.len()]
    } else {
        KNOWN_FIELDS[(pick / 2) % KNOWN_FIELDS.len()]
    }
}
const STRINGS: &[&str] = &[
    "completed",
    "failed",
    "pending",
    "processing",
    "cancelled",
    "doubao-seedance-2.0",
    "first_frame",
    "last_frame",
    "reference_image",
    "asset://",
    "asset://a",
    "https://e.com/x.png",
    "",
    "4k",
    "adaptive",
    "web_search",
    "../../etc/passwd",
    "\u{0}",
    "가나다",
];

fn random_value(rng: &mut SplitMix64, depth: u32) -> Value {
    let pick = rng.next_u64() % if depth == 0 { 5 } else { 7 };
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.next_u64().is_multiple_of(2)),
        2 => match rng.next_u64() % 4 {
            0 => Value::from(rng.next_u64() as i64),
            1 => Value::from(rng.next_u64() % 20),
            2 => serde_json::Number::from_f64(rng.next_normal() * 1e6)
                .map_or(Value::Null, Value::Number),
            _ => Value::from(u64::MAX - rng.next_u64() % 3),
        },
        3 | 4 => Value::from(STRINGS[(rng.next_u64() as usize) % STRINGS.len()]),
        5 => Value::Array(
            (0..rng.next_u64() % 5)
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.next_u64() % 6 {
                m.insert(key(rng).to_owned(), random_value(rng, depth - 1));
            }
            Value::Object(m)
        }
    }
}

/// Replaces a random node of `v` with a random value.
fn mutate_value(v: &mut Value, rng: &mut SplitMix64) {
    match v {
        Value::Object(m) if !m.is_empty() && !rng.next_u64().is_multiple_of(3) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = &keys[(rng.next_u64() as usize) % keys.len()];
            if let Some(child) = m.get_mut(k) {
                mutate_value(child, rng);
            }
        }
        Value::Array(a) if !a.is_empty() && !rng.next_u64().is_multiple_of(3) => {
            let i = (rng.next_u64() as usize) % a.len();
            mutate_value(&mut a[i], rng);
        }
        other => *other = random_value(rng, 3),
    }
}

fn mutate_bytes(rng: &mut SplitMix64) -> Vec<u8> {
    let mut body = SEEDS[(rng.next_u64() as usize) % SEEDS.len()].to_vec();
    for _ in 0..1 + rng.next_u64() % 8 {
        if body.is_empty() {
            break;
        }
        let p = (rng.next_u64() as usize) % body.len();
        match rng.next_u64() % 5 {
            0 => body[p] ^= 1 << (rng.next_u64() % 8),
            1 => body.truncate(p),
            2 => body.insert(p, (rng.next_u64() % 256) as u8),
            3 => {
                let other = SEEDS[(rng.next_u64() as usize) % SEEDS.len()];
                let q = (rng.next_u64() as usize) % other.len();
                body.splice(p.., other[q..].iter().copied());
            }
            _ => {
                let end = (p + 1 + (rng.next_u64() as usize) % 16).min(body.len());
                let chunk = body[p..end].to_vec();
                body.splice(p..p, chunk);
            }
        }
    }
    body
}

fn input(rng: &mut SplitMix64) -> Vec<u8> {
    match rng.next_u64() % 3 {
        0 => mutate_bytes(rng),
        1 => random_value(rng, 5).to_string().into_bytes(),
        _ => {
            let seed = SEEDS[(rng.next_u64() as usize) % SEEDS.len()];
            match serde_json::from_slice::<Value>(seed) {
                Ok(mut v) => {
                    for _ in 0..1 + rng.next_u64() % 3 {
                        mutate_value(&mut v, rng);
                    }
                    v.to_string().into_bytes()
                }
                Err(_) => mutate_bytes(rng),
            }
        }
    }
}

fn exercise(body: &[u8]) {
    let _ = parse_submit_body(body);
    let _ = parse_task_body(body);
    let _ = parse_error_body(body);
    let _ = seedance_core::account::parse_balance_body(body);
    let _ = seedance_core::discovery::parse_models_body(body);
    let _ = seedance_core::discovery::parse_schema_body(body);
    let _ = seedance_core::discovery::parse_pricing_body(body, "m");
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let _ = seedance_core::asset::parse_asset_result(&v);
        // Any JSON as a schema, checked against itself.
        let _ = seedance_core::json_schema::check(&v, &v);
        let report = validate_json(&v);
        if report.is_valid() {
            // The typed path must accept whatever the raw validator passes.
            let (typed, _) =
                GenerationRequest::from_json(&v).expect("valid raw JSON must parse as a request");
            assert!(typed.validate().is_valid(), "typed validation disagrees");
        }
    }
}

pub(crate) fn run(inputs: u64, seed: u64) -> Result<String, String> {
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = SplitMix64::new(seed);
    let start = Instant::now();
    let mut panics = Vec::new();
    let mut json_inputs = 0u64;
    for i in 0..inputs {
        let body = input(&mut rng);
        json_inputs += u64::from(serde_json::from_slice::<Value>(&body).is_ok());
        if catch_unwind(AssertUnwindSafe(|| exercise(&body))).is_err() && panics.len() < 5 {
            panics.push((i, String::from_utf8_lossy(&body).into_owned()));
        }
    }
    let _ = std::panic::take_hook();
    let secs = start.elapsed().as_secs_f64();
    if !panics.is_empty() {
        return Err(format!("panics on inputs: {panics:#?}"));
    }
    Ok(format!(
        "## 0. Fuzzing (robustness, not speed)\n\n{inputs} inputs (seed {seed}; {json_inputs} of them valid JSON) through `parse_submit_body`, \
         `parse_task_body`, `parse_error_body`, the balance, model list, model schema, price and asset parsers, \
         the JSON Schema checker and `validate_json` (plus the typed parse of every body it passes): \
         0 panics, {:.0} inputs/s.\n",
        inputs as f64 / secs
    ))
}
