//! Streaming download over real loopback HTTP: `seedance download` against
//! curl on the same URL in the same run, and peak RSS of `seedance download`.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use seedance_core::{GenerationRequest, Model};
use seedance_transport::{ApiKey, Client, ReqwestTransport};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::stats::quantile;

/// Runs `program args` with `env` added, returning (seconds, peak RSS in
/// KiB when measurable).
fn timed(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(f64, Option<u64>), String> {
    let time = std::path::Path::new("/usr/bin/time");
    let start = Instant::now();
    let output = if time.exists() {
        std::process::Command::new(time)
            .args(["-f", "%M"])
            .arg(program)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .output()
    } else {
        std::process::Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .output()
    }
    .map_err(|e| format!("cannot run {program}: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let rss = String::from_utf8_lossy(&output.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok());
    Ok((secs, rss))
}

/// The environment that hides the SHA extensions from aws-lc.
const SHA_MASK: (&str, &str) = ("OPENSSL_ia32cap", ":~0x20000000");

pub(crate) async fn run(seedance: &str, mib: u64, runs: usize) -> Result<String, String> {
    let padding = mib * 1024 * 1024;
    let mut server = Command::new(seedance)
        .args([
            "--json",
            "mock-server",
            "--port",
            "0",
            "--media-port",
            "0",
            "--video-padding",
        ])
        .arg(padding.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {seedance} mock-server: {e}"))?;
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .map_err(|e| e.to_string())?;
    let info: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))?;
    let api = info["api_url"].as_str().ok_or("no api_url")?.to_owned();
    let key = ApiKey::new(info["api_key"].as_str().ok_or("no key")?).map_err(|e| e.to_string())?;
    let transport = ReqwestTransport::builder()
        .base_url(&api)
        .api_key(key)
        .build()
        .map_err(|e| e.to_string())?;
    let client = Client::with_config(Arc::new(transport), Default::default());
    let id = client
        .submit(&GenerationRequest::new(Model::Seedance2Fast).with_prompt("download benchmark"))
        .await
        .map_err(|e| e.to_string())?
        .task_id;
    let task = client.wait(&id).await.map_err(|e| e.to_string())?;
    let url = task
        .result
        .and_then(|r| r.video_url().map(str::to_owned))
        .ok_or("no video url")?;
    let dir = std::env::temp_dir().join(format!("seedance-bench-dl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ours_path = dir.join("ours.mp4");
    let curl_path = dir.join("curl.mp4");
    let (mut ours, mut sha, mut masked, mut curl, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let out = ours_path.to_str().unwrap_or_default();
    let download = ["download", &url, "--out", out];
    let download_sha = ["download", &url, "--out", out, "--digest", "sha256"];
    for _ in 0..runs {
        let _ = std::fs::remove_file(&ours_path);
        let (t, r) = timed(seedance, &download, &[])?;
        ours.push(t);
        rss.extend(r);
        let _ = std::fs::remove_file(&ours_path);
        let (t, r) = timed(seedance, &download_sha, &[])?;
        sha.push(t);
        rss.extend(r);
        // SHA-256 as on a CPU without SHA extensions: aws-lc reads its CPU
        // capabilities through this mask (leaf 7 EBX bit 29 is SHA).
        let _ = std::fs::remove_file(&ours_path);
        let (t, r) = timed(seedance, &download_sha, &[(SHA_MASK.0, SHA_MASK.1)])?;
        masked.push(t);
        rss.extend(r);
        let (t, _) = timed(
            "curl",
            &["-sS", "-o", curl_path.to_str().unwrap_or_default(), &url],
            &[],
        )?;
        curl.push(t);
    }
    let size = std::fs::metadata(&ours_path)
        .map_err(|e| e.to_string())?
        .len();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = server.kill().await;
    let (o, h, m, c) = (
        quantile(&ours, 0.5),
        quantile(&sha, 0.5),
        quantile(&masked, 0.5),
        quantile(&curl, 0.5),
    );
    let mib_s = |t: f64| size as f64 / t / (1024.0 * 1024.0);
    let ratio = c / o;
    let hash_speed = hash_speeds();
    let peak = rss.iter().max().map(|k| *k as f64 / 1024.0);
    let rss_text = peak.map_or("not measured (no /usr/bin/time)".to_owned(), |m| {
        format!("{m:.1} MiB")
    });
    let verdict = |ok: bool| {
        if ok {
            "meets target"
        } else {
            "**misses target**"
        }
    };
    Ok(format!(
        "## 4. Streaming download\n\n\
         A {mib} MiB video served by `seedance mock-server` over loopback HTTP, downloaded {runs} times by \
         `seedance download` (temp file, length check, digest, fsync, rename) and by `curl -o`, alternating; \
         medians. Each megabyte read is hashed on its own blocking task beside the write. The digest \
         is BLAKE3 by default: it does not depend on SHA extensions and runs several times faster than \
         the network here, so the first ratio holds on any x86_64 CPU (SSE4.1 or AVX2 pick its code path \
         at run time). The `--digest sha256` rows are for information, without a target: SHA-256 from \
         aws-lc, whose speed depends on SHA extensions; `{}={}` hides them, as on a CPU without them \
         (many Xeons), where the download runs at the speed of one SHA-256 stream. Peak RSS is the \
         maximum resident set size reported by GNU time (`/usr/bin/time -f %M`) for the whole \
         `seedance download` process, in every mode.\n\n\
         {hash_speed}\n\
         | measure | value | target | |\n|---|---|---|---|\n\
         | seedance download (BLAKE3, the default) | {:.0} MiB/s ({o:.2} s) | | |\n\
         | curl | {:.0} MiB/s ({c:.2} s) | | |\n\
         | throughput seedance / curl | {ratio:.2} | ≥ 0.9 | {} |\n\
         | seedance download --digest sha256 | {:.0} MiB/s ({h:.2} s), {:.2}x curl | | information |\n\
         | seedance download --digest sha256, SHA extensions hidden | {:.0} MiB/s ({m:.2} s), {:.2}x curl | | information |\n\
         | peak RSS of seedance download | {rss_text} | ≤ 32 MiB | {} |\n",
        SHA_MASK.0,
        SHA_MASK.1,
        mib_s(o),
        mib_s(c),
        verdict(ratio >= 0.9),
        mib_s(h),
        c / h,
        mib_s(m),
        c / m,
        verdict(peak.is_some_and(|m| m <= 32.0)),
    ))
}

/// One line with the speed of each digest alone, in memory, on one core.
fn hash_speeds() -> String {
    use seedance_core::digest::DigestAlgorithm;
    use seedance_transport::DigestStream;
    let data = vec![0x5au8; 64 << 20];
    let speed = |algorithm| {
        let start = Instant::now();
        let mut stream = DigestStream::new(algorithm);
        for chunk in data.chunks(1 << 20) {
            stream.update(chunk);
        }
        std::hint::black_box(stream.finish());
        64.0 / start.elapsed().as_secs_f64()
    };
    format!(
        "Each digest alone on one core, 64 MiB in memory: BLAKE3 {:.0} MiB/s, SHA-256 {:.0} MiB/s \
         (with this machine's SHA extensions, if any).\n",
        speed(DigestAlgorithm::Blake3),
        speed(DigestAlgorithm::Sha256),
    )
}
