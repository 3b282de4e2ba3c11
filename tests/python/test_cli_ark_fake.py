"""`seedance --provider ark|byteplus` against an Ark-shaped fake server.

The fake (tests/python/ark_fake.py) is written from Ark's public
documentation (the Volcengine Python SDK's content_generation types and the
BytePlus ModelArk API reference), not from this project's simulator, so the
CLI is checked against an independent reading of the wire format.

Run by `.ci/run`; by hand (needs ffmpeg for the fake's media):

    cargo build -p seedance-cli
    python3 -m pytest -q tests/python/test_cli_ark_fake.py

The binary is $SEEDANCE_BIN, or target/debug/seedance.
"""

import base64
import json
import os
import pathlib
import subprocess
import urllib.request

import pytest

from ark_fake import Fake

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("SEEDANCE_BIN", str(REPO / "target" / "debug" / "seedance"))
START_IMAGE = REPO / "examples" / "images" / "gutter-stream.png"
KEY = "test-ark-key"

# Prices the CLI's built-in table must apply (docs/providers.md, "Cost").
CNY_PER_M = {"doubao-seedance-2-0-260128": 46.0, "doubao-seedance-2-0-fast-260128": 37.0}
USD_PER_M_FAST = 5.6


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("ark-media"))


@pytest.fixture
def ark(media_dir):
    fake = Fake("volcengine", KEY, media_dir).start()
    yield fake
    fake.stop()


@pytest.fixture
def byteplus(media_dir):
    fake = Fake("byteplus", KEY, media_dir).start()
    yield fake
    fake.stop()


def run(fake, *args, provider="ark", tmp=None, extra_env=None, timeout=180):
    """Runs the CLI with the env vars the README documents for Ark."""
    home = str(tmp) if tmp else "/tmp"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "SEEDANCE_CACHE_DIR": os.path.join(home, ".cache-seedance"),
        "SEEDANCE_NO_CALIBRATION": "1",
        "ARK_API_KEY": KEY,
    }
    if provider == "byteplus":
        env["BYTEPLUS_BASE_URL"] = fake.base
    else:
        env["ARK_BASE_URL"] = fake.base
    env.update(extra_env or {})
    return subprocess.run(
        [BIN, "--provider", provider, *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=home,
    )


def creates(fake):
    return [r for r in fake.requests if r["method"] == "POST"]


def seed(fake, model="doubao-seedance-2-0-260128", status=None, **body):
    req = {"model": model, "content": [{"type": "text", "text": "seeded"}], **body}
    rec = fake.create(req)
    if status:
        rec["forced"] = status
    return rec["id"]


def fetch(url):
    with urllib.request.urlopen(url) as r:
        return r.read()


def assert_mp4(path):
    data = pathlib.Path(path).read_bytes()
    assert data[4:8] == b"ftyp", path


def assert_png(path):
    assert pathlib.Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


def tokens(seconds, w, h):
    return (seconds * 24 + 1) * w * h // 1024


# ---------------------------------------------------------------------------


def test_generate_text_to_video_downloads_real_media(ark, tmp_path):
    out = tmp_path / "out"
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "A kitten yawns",
            "--duration", "4", "--resolution", "480p", "--size", "16:9", "--return-last-frame",
            "--out", str(out), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    videos = list(out.glob("*.mp4"))
    frames = list(out.glob("*.png"))
    assert len(videos) == 1 and len(frames) == 1, (r.stdout, r.stderr)
    assert_mp4(videos[0])
    assert_png(frames[0])
    (post,) = creates(ark)
    body = post["body"]
    assert body["model"] == "doubao-seedance-2-0-fast-260128"
    assert body["content"] == [{"type": "text", "text": "A kitten yawns"}]
    assert body["ratio"] == "16:9" and body["resolution"] == "480p" and body["duration"] == 4
    assert body["return_last_frame"] is True
    # Ark has no balance endpoint: only Ark's own paths are asked.
    assert all(q["path"].startswith("/api/v3/contents/generations/tasks") for q in ark.requests), \
        [q["path"] for q in ark.requests]
    assert "balance" not in r.stderr
    expected = tokens(4, 864, 496) * CNY_PER_M["doubao-seedance-2-0-fast-260128"] / 1e6
    assert f"{expected:.4f} CNY" in r.stdout + r.stderr


def test_chain_of_four_links_each_last_frame(ark, tmp_path):
    plan = {
        "defaults": {"model": "doubao-seedance-2.0-fast", "resolution": "480p", "size": "16:9",
                     "duration": 4, "generate_audio": False},
        "start_image": str(START_IMAGE),
        "link": "image_urls",
        "segments": [{"prompt": p} for p in (
            "A paper boat sets off down a gutter", "It spins through a whirlpool",
            "It slips under a drain grate", "It emerges into a sunlit canal")],
    }
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    out = tmp_path / "chain"
    r = run(ark, "chain", str(plan_file), "--out", str(out), tmp=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    posts = creates(ark)
    assert len(posts) == 4, [p["body"] for p in posts]

    def first_frame(post):
        items = [c for c in post["body"]["content"] if c["type"] == "image_url"]
        assert len(items) == 1, post["body"]
        assert items[0].get("role") == "first_frame", items
        return items[0]["image_url"]["url"]

    # Segment 0 starts from the local image, sent inline (Ark takes base64 images).
    url0 = first_frame(posts[0])
    assert url0.startswith("data:image/png;base64,")
    assert base64.b64decode(url0.split(",", 1)[1]) == START_IMAGE.read_bytes()
    ids = [t["id"] for t in ark.list({"page_size": ["10"]})["items"]][::-1]  # oldest first
    assert len(ids) == 4
    for k in range(3):
        last = ark.body_of(ark.tasks[ids[k]])["content"]["last_frame_url"]
        nxt = first_frame(posts[k + 1])
        if nxt.startswith("data:"):
            assert base64.b64decode(nxt.split(",", 1)[1]) == fetch(last), k
        else:
            assert nxt == last, k
        assert posts[k]["body"]["return_last_frame"] is True
    for i in range(4):
        assert_mp4(out / f"segment_{i:03d}.mp4")
    r = run(ark, "status", str(out), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "CNY" in r.stdout, r.stdout


def test_list_text_and_json(ark, tmp_path):
    done = seed(ark, status="succeeded")
    queued = seed(ark, model="doubao-seedance-2-0-fast-260128", status="queued")
    r = run(ark, "list", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert done in r.stdout and queued in r.stdout
    r = run(ark, "list", "--json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    page = json.loads(r.stdout)
    assert page["total"] == 2
    assert {t["id"] for t in page["tasks"]} == {done, queued}
    r = run(ark, "list", "--status", "queued", "--json", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [t["id"] for t in json.loads(r.stdout)["tasks"]] == [queued]
    last = [q for q in ark.requests if q["method"] == "GET"][-1]
    assert last["query"].get("filter.status") == ["queued"]


def test_cancel_queued_then_refuse_running(ark, tmp_path):
    queued = seed(ark, status="queued")
    running = seed(ark, status="running")
    r = run(ark, "cancel", queued, tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ark.status_of(ark.tasks[queued]) == "cancelled"
    assert any(q["method"] == "DELETE" and q["path"].endswith(queued) for q in ark.requests)
    r = run(ark, "cancel", running, tmp=tmp_path)
    assert r.returncode != 0
    assert "running" in r.stderr and "cannot" in r.stderr, r.stderr
    assert ark.status_of(ark.tasks[running]) == "running"
    r = run(ark, "status", queued, tmp=tmp_path)
    assert r.returncode == 0 and "cancelled" in r.stdout, r.stdout + r.stderr


def test_status_reports_cost_from_usage_tokens_with_currency(ark, tmp_path):
    tid = seed(ark, status="succeeded", resolution="720p", ratio="16:9", duration=5)
    r = run(ark, "status", tid, tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    cost = 108_900 * CNY_PER_M["doubao-seedance-2-0-260128"] / 1e6
    assert f"{cost:.4f} CNY" in r.stdout, r.stdout
    r = run(ark, "status", tid, "--json", tmp=tmp_path)
    v = json.loads(r.stdout)
    assert v["tokens"] == 108_900
    assert abs(v["billed"] - cost) < 1e-6
    assert v["currency"] == "CNY"


def test_numbers_as_strings_and_unknown_statuses_are_tolerated(ark, tmp_path):
    ark.config.update({"strings": True, "extra_status": "preprocessing", "queue_s": 2.5})
    r = run(ark, "generate", "--model", "doubao-seedance-2.0", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    expected = tokens(4, 864, 496) * CNY_PER_M["doubao-seedance-2-0-260128"] / 1e6
    assert f"{expected:.4f} CNY" in r.stdout + r.stderr


def test_max_cost_refuses_before_sending(ark, tmp_path):
    r = run(ark, "generate", "--model", "doubao-seedance-2.0", "--prompt", "x", "--duration", "10",
            "--resolution", "1080p", "--size", "16:9", "--max-cost", "1",
            "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode != 0
    assert "max-cost" in r.stderr and "CNY" in r.stderr, r.stderr
    assert creates(ark) == []


@pytest.mark.parametrize("param,field,args", [
    ("content[1].image_url.url", "image_urls[0]", ["--image", "https://example.com/a.png"]),
    ("ratio", "size", []),
])
def test_invalid_parameter_names_the_projects_field(ark, tmp_path, param, field, args):
    ark.faults["create"].append({
        "status": 400, "code": "InvalidParameter", "param": param,
        "message": f"The parameter `{param}` specified in the request is not valid."})
    r = run(ark, "generate", "--model", "doubao-seedance-2.0", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", *args, "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode != 0
    assert field in r.stderr, r.stderr
    assert len(creates(ark)) == 1  # a 400 proves no task: not resent


def test_rate_limited_then_accepted(ark, tmp_path):
    ark.faults["create"].append({"status": 429, "code": "RateLimitExceeded.EndpointRPMExceeded",
                                 "message": "Too many requests"})
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(creates(ark)) == 2
    assert len(ark.tasks) == 1


def test_failed_task_is_reported_and_not_billed(ark, tmp_path):
    tid = seed(ark, status="failed")
    ark.tasks[tid]["error"] = {"code": "OutputVideoSensitiveContentDetected",
                               "message": "The output video may contain sensitive information."}
    r = run(ark, "status", tid, tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "failed" in r.stdout and "OutputVideoSensitiveContentDetected" in r.stdout, r.stdout
    assert "refunded" not in r.stdout


def test_wrong_key_is_a_clear_401(ark, tmp_path):
    r = run(ark, "status", "cgt-20261204000000-abcde", tmp=tmp_path,
            extra_env={"ARK_API_KEY": "wrong"})
    assert r.returncode != 0
    assert "401" in r.stderr and "ARK_API_KEY" in r.stderr, r.stderr


@pytest.mark.parametrize("given", [
    "doubao-seedance-2.0-fast",
    "dreamina-seedance-2-0-fast-260128",
    "doubao-seedance-2-0-fast-260128",
    "dreamina-seedance-2-0-fast",
])
def test_byteplus_spelling_of_model_ids(byteplus, tmp_path, given):
    r = run(byteplus, "generate", "--model", given, "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--out", str(tmp_path / "o"),
            provider="byteplus", tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    (post,) = creates(byteplus)
    assert post["body"]["model"] == "dreamina-seedance-2-0-fast-260128"
    expected = tokens(4, 864, 496) * USD_PER_M_FAST / 1e6
    assert f"{expected:.4f} USD" in r.stdout + r.stderr


def test_byteplus_refuses_face_models_naming_the_platform(byteplus, tmp_path):
    r = run(byteplus, "generate", "--model", "doubao-seedance-2.0-face", "--prompt", "x",
            "--duration", "4", "--resolution", "480p", "--out", str(tmp_path / "o"),
            provider="byteplus", tmp=tmp_path)
    assert r.returncode != 0
    assert "BytePlus" in r.stderr, r.stderr
    assert creates(byteplus) == []


def test_null_placeholders_are_tolerated(ark, tmp_path):
    ark.config["nulls"] = True  # content/usage null until success, empty error object after
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--return-last-frame",
            "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "o").glob("*.png"))) == 1


def test_a_5xx_on_create_is_not_resent(ark, tmp_path):
    ark.faults["create"].append({"status": 500, "code": "InternalServiceError", "message": "boom"})
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode != 0
    assert len(creates(ark)) == 1  # Ark has no idempotency key: a resend may pay twice
    assert "may have been billed" in r.stderr and "list" in r.stderr, r.stderr


def test_an_expired_task_ends_the_wait(ark, tmp_path):
    create = ark.create

    def expiring(req):
        rec = create(req)
        rec["forced"] = "expired"
        return rec

    ark.create = expiring
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode != 0
    assert "expired" in r.stderr, r.stderr


def test_byteplus_falls_back_to_ark_base_url(byteplus, tmp_path):
    r = subprocess.run(
        [BIN, "--provider", "byteplus", "list"], capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
             "SEEDANCE_NO_CALIBRATION": "1", "ARK_API_KEY": KEY, "ARK_BASE_URL": byteplus.base},
        cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "BytePlus" in r.stdout


@pytest.mark.parametrize("ext,mime", [("wav", "audio/wav"), ("mp3", "audio/mp3")])
def test_local_audio_is_sent_inline(ark, tmp_path, ext, mime):
    clip = tmp_path / f"voice.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=3", str(clip)], check=True)
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "She sings",
            "--duration", "4", "--resolution", "480p", "--size", "16:9",
            "--reference-image", str(START_IMAGE), "--audio-ref", str(clip),
            "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    (post,) = creates(ark)
    (audio,) = [c for c in post["body"]["content"] if c["type"] == "audio_url"]
    assert audio["role"] == "reference_audio"
    url = audio["audio_url"]["url"]
    assert url.startswith(f"data:{mime};base64,"), url[:40]
    assert base64.b64decode(url.split(",", 1)[1]) == clip.read_bytes()


def test_local_video_still_needs_a_store(ark, tmp_path):
    clip = tmp_path / "ref.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=24:duration=3", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x",
            "--duration", "4", "--resolution", "480p", "--video", str(clip),
            "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode != 0
    assert "media-store" in r.stderr, r.stderr
    assert creates(ark) == []


@pytest.mark.parametrize("args", [["models"], ["balance"]])
def test_apimart_only_commands_send_nothing_to_ark(ark, tmp_path, args):
    r = run(ark, *args, tmp=tmp_path)
    assert r.returncode != 0
    assert "Volcengine Ark does not offer" in r.stderr, r.stderr
    assert ark.requests == []


def test_live_prices_fall_back_without_asking_ark(ark, tmp_path):
    r = run(ark, "generate", "--model", "doubao-seedance-2.0-fast", "--prompt", "x", "--duration", "4",
            "--resolution", "480p", "--size", "16:9", "--prices", "live", "--dry-run",
            "--out", str(tmp_path / "o"), tmp=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ark.requests == []  # a dry run: nothing sent, no price API asked
    assert "publishes no price list" in r.stderr, r.stderr
    assert "CNY" in r.stdout + r.stderr
