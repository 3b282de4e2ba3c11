//! Running the `seedance` binary as a child process: the binary built once,
//! and `seedance mock-server` on loopback ports with its counters.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The `seedance` binary, built once.
pub(crate) fn seedance_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "seedance-cli", "--bin", "seedance"])
            .current_dir(seedance_tests::workspace_root())
            .status()
            .expect("cargo build");
        assert!(status.success());
        let exe = std::env::current_exe().unwrap();
        // target/<profile>/deps/it-xxxx -> target/<profile>/seedance
        exe.parent().unwrap().parent().unwrap().join("seedance")
    })
}

pub(crate) struct MockServer {
    child: Child,
    pub(crate) api_url: String,
    pub(crate) key: String,
}

impl MockServer {
    pub(crate) fn start() -> MockServer {
        MockServer::start_with(&["--instant"])
    }

    /// `extra`: speed flags (`--instant`, none for the default 1-8 s tasks).
    pub(crate) fn start_with(extra: &[&str]) -> MockServer {
        let mut child = Command::new(seedance_bin())
            .args([
                "--json",
                "mock-server",
                "--port",
                "0",
                "--media-port",
                "0",
                "--seed",
                "7",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mock-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: serde_json::Value = serde_json::from_str(&line).unwrap();
        MockServer {
            child,
            api_url: info["api_url"].as_str().unwrap().to_owned(),
            key: info["api_key"].as_str().unwrap().to_owned(),
        }
    }

    pub(crate) fn stats(&self) -> serde_json::Value {
        let addr = self.api_url.trim_start_matches("http://");
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /_sim/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // The server keeps the connection open: read the head, then the body by length.
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).unwrap();
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length").then_some(value)
                    })
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap();
                if body.len() >= len {
                    return serde_json::from_str(&body[..len]).unwrap();
                }
            }
            assert!(n > 0, "stats connection closed early");
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
