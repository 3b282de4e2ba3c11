"""The seedance Python package against its simulator (no key, no network)."""

import asyncio
import os
import pathlib
import re
import signal
import threading
import time

import pytest

import seedance

REPO = pathlib.Path(__file__).resolve().parents[3]
KITTEN = dict(model="doubao-seedance-2.0", prompt="A kitten yawns", duration=4, resolution="480p")
PLAN = {
    "defaults": {"model": "doubao-seedance-2.0", "resolution": "480p", "duration": 4},
    "segments": [
        {"prompt": "A paper boat sets off down a gutter stream"},
        {"prompt": "The boat rides a small waterfall into a puddle"},
    ],
}


@pytest.fixture
def client():
    return seedance.Client(simulator=seedance.Simulator(instant=True))


def test_a_request_names_every_problem_with_its_field_path():
    with pytest.raises(seedance.ValidationError) as caught:
        seedance.Request(
            model="doubao-seedance-2.0-mini",
            prompt="A kitten yawns",
            duration=20,
            resolution="4k",
            image_with_roles=[{"url": "https://example.com/a.png", "role": "last_frame"}],
        )
    e = caught.value
    assert isinstance(e, ValueError)
    paths = {p.path: p.code for p in e.problems}
    assert paths["duration"] == "duration_out_of_range"
    assert paths["resolution"] == "resolution_not_supported"
    assert "image_with_roles[0].role" in paths
    assert all(p.message for p in e.problems)
    assert "duration: is 20" in str(e)


def test_dicts_and_unknown_fields_are_checked_the_same_way():
    with pytest.raises(seedance.ValidationError) as caught:
        seedance.Request.from_dict({"model": "doubao-seedance-2.0", "prompt": "x", "durations": 5})
    assert [p.path for p in caught.value.problems] == ["durations"]
    assert seedance.validate({"model": "doubao-seedance-2.0", "prompt": "x"}) == []
    r = seedance.Request.from_dict({"model": "doubao-seedance-2.0", "prompt": "x", "duration": 5})
    assert r.to_dict() == {"model": "doubao-seedance-2.0", "prompt": "x", "duration": 5}


def test_estimates_use_the_price_table():
    e = seedance.estimate([seedance.Request(**KITTEN), KITTEN])
    assert e["total"] == pytest.approx(2 * 4 * 0.066)
    assert e["currency"] == "USD"


def test_generate_waits_with_progress_and_downloads(client, tmp_path):
    seen = []
    result = client.generate(seedance.Request(**KITTEN, return_last_frame=True), out=tmp_path, progress=seen.append)
    assert result.video.path.is_file() and result.video.path.parent == tmp_path
    assert result.video.bytes == result.video.path.stat().st_size
    assert result.last_frame is not None and result.last_frame.path.is_file()
    assert result.task.status == "completed" and result.cost > 0
    assert seen and all(isinstance(p, seedance.Progress) and p.task_id == result.task_id for p in seen)


def test_submit_status_wait_download(client, tmp_path):
    task_id = client.submit(KITTEN)
    assert client.status(task_id).id == task_id
    task = client.wait(task_id)
    assert task.status == "completed" and task.video_url
    files = client.download(task_id, tmp_path / "videos")
    assert files.video.path.is_file()


def test_a_bad_request_is_refused_before_anything_is_sent(client):
    with pytest.raises(seedance.ValidationError):
        client.submit({"model": "doubao-seedance-2.0", "duration": 3})


def test_chain_and_batch_from_plans(client, tmp_path):
    events = []
    chain = client.chain(PLAN, tmp_path / "film", progress=events.append)
    assert len(chain.videos) == 2 and all(v.is_file() for v in chain.videos)
    assert chain.billed > 0
    assert {e.event for e in events} >= {"submitted", "downloaded"}
    # A rerun resumes: nothing is submitted again.
    again = []
    client.chain(PLAN, tmp_path / "film", progress=again.append)
    assert not [e for e in again if e.event == "submitted"]
    batch = client.batch([KITTEN, dict(KITTEN, prompt="A puppy sneezes")], tmp_path / "jobs", concurrency=2)
    assert batch.done == [0, 1] and not batch.failed
    assert all(pathlib.Path(v["path"]).is_file() for v in batch.videos)


def test_max_cost_refuses_before_paying(client, tmp_path):
    with pytest.raises(seedance.SeedanceError) as caught:
        client.chain(PLAN, tmp_path / "film", max_cost=0.1)
    assert caught.value.kind == "max_cost"
    assert not (tmp_path / "film").exists()


def test_ctrl_c_during_a_wait_raises_interrupted_with_the_task_id(tmp_path):
    client = seedance.Client(simulator=seedance.Simulator())  # tasks take 1-8 s
    task_id = client.submit(KITTEN)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt) as caught:
        client.wait(task_id)
    assert time.monotonic() - started < 2, "Ctrl-C was not let through promptly"
    assert isinstance(caught.value, seedance.Interrupted)
    assert caught.value.task_id == task_id
    # The task kept running on the server: it is recovered by its id.
    assert client.wait(task_id).status == "completed"


def test_ctrl_c_during_generate_keeps_the_task_id(tmp_path):
    client = seedance.Client(simulator=seedance.Simulator())
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(seedance.Interrupted) as caught:
        client.generate(KITTEN, out=tmp_path)
    assert caught.value.task_id and caught.value.task_id.startswith("task_")
    assert client.download(caught.value.task_id, tmp_path).video.path.is_file()


def test_asyncio_methods_and_cancellation(tmp_path):
    async def main():
        quick = seedance.AsyncClient(simulator=seedance.Simulator(instant=True))
        seen = []
        result = await quick.generate(KITTEN, out=tmp_path, progress=seen.append)
        assert result.video.path.is_file() and seen
        assert (await quick.status(result.task_id)).status == "completed"
        chain = await quick.chain(PLAN, tmp_path / "film")
        assert len(chain.videos) == 2
        batch = await quick.batch([KITTEN], tmp_path / "jobs")
        assert batch.done == [0]
        client = seedance.AsyncClient(simulator=seedance.Simulator())  # tasks take 1-8 s
        task_id = await client.submit(KITTEN)
        waiting = asyncio.ensure_future(client.wait(task_id))
        await asyncio.sleep(0.2)
        waiting.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert time.monotonic() - started < 1
        assert (await client.wait(task_id)).status == "completed"

    asyncio.run(main())


def test_the_key_never_shows(tmp_path):
    secret = "sk-python-test-secret-123456"
    client = seedance.Client(api_key=secret, base_url="http://127.0.0.1:9")
    assert secret not in repr(client) and secret not in repr(client._native)
    with pytest.raises(seedance.SeedanceError) as caught:
        client.status("task_1")
    assert secret not in str(caught.value) and secret not in repr(caught.value.data)


def test_the_readme_example_runs_as_written(tmp_path, monkeypatch):
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) == 5
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert list((tmp_path / "out").glob("*.mp4"))


def test_ctrl_c_during_a_chain_stops_at_a_safe_point_and_a_rerun_pays_nothing_twice(tmp_path):
    client = seedance.Client(simulator=seedance.Simulator())  # tasks take 1-8 s
    first = []
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(seedance.Interrupted) as caught:
        client.chain(PLAN, tmp_path / "film", progress=first.append)
    assert "resume" in str(caught.value)
    submitted = {e.index for e in first if e.event == "submitted"}
    assert 0 in submitted
    again = []
    result = client.chain(PLAN, tmp_path / "film", progress=again.append)
    assert len(result.videos) == 2
    assert not submitted & {e.index for e in again if e.event == "submitted"}


def test_download_url_writes_one_file(client, tmp_path):
    task = client.wait(client.submit(KITTEN))
    f = client.download_url(task.video_url, tmp_path / "one" / "video.mp4")
    assert f.path == tmp_path / "one" / "video.mp4" and f.path.stat().st_size == f.bytes
