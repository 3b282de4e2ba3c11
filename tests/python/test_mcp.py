"""`seedance --mock mcp` driven by the official Python MCP SDK (PyPI `mcp`).

Run by `.ci/run`; by hand:

    cargo build -p seedance-cli
    python3 -m venv /tmp/py && /tmp/py/bin/pip install 'mcp>=2.3,<3' pytest
    /tmp/py/bin/pytest tests/python/test_mcp.py

The binary is $SEEDANCE_BIN, or target/debug/seedance.
"""

import contextlib
import json
import os
import pathlib
import subprocess

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("SEEDANCE_BIN", str(REPO / "target" / "debug" / "seedance"))

EXPECTED_TOOLS = {
    "validate", "estimate_cost", "generate", "status", "wait", "download",
    "chain", "batch", "takes", "select", "balance",
}

PLAN = {
    "defaults": {"model": "doubao-seedance-2.0", "resolution": "480p", "duration": 4},
    "segments": [
        {"prompt": "A paper boat sets off down a gutter stream"},
        {"prompt": "The boat rides a small waterfall into a puddle"},
    ],
}


@contextlib.asynccontextmanager
async def server(root, *extra):
    """A session with `seedance --mock mcp --out-root ROOT`; yields it and its stderr file."""
    errlog = open(root.parent / f"{root.name}-stderr.log", "w+")
    params = StdioServerParameters(
        command=BIN,
        args=["--mock", "mcp", "--out-root", str(root), *extra],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")},
    )
    try:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session, errlog
    finally:
        errlog.close()


def body(result):
    """The structured result of a tool call (also the text content, as JSON)."""
    assert result.structured_content is not None, result
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


def run(coro_fn, *args):
    anyio.run(coro_fn, *args)


def test_tools_are_listed_with_the_schemas_of_seedance_schema(tmp_path):
    request_schema = json.loads(subprocess.check_output([BIN, "schema", "request"]))
    plan_schema = json.loads(subprocess.check_output([BIN, "schema", "plan"]))

    async def main():
        async with server(tmp_path / "root") as (s, _):
            tools = {t.name: t for t in (await s.list_tools()).tools}
            assert set(tools) == EXPECTED_TOOLS
            for t in tools.values():
                assert t.description and len(t.description) > 40, t.name
            req = tools["validate"].input_schema["properties"]["request"]
            del request_schema["$schema"]
            assert req["properties"] == request_schema["properties"]
            assert req["required"] == ["model"]
            plan = tools["chain"].input_schema["properties"]["plan"]
            assert plan["properties"] == plan_schema["properties"]
            for paying in ("generate", "chain", "batch"):
                assert "max_cost" in tools[paying].input_schema["properties"], paying

    run(main)


def test_balance_reports_the_key_and_the_account(tmp_path):
    async def main():
        async with server(tmp_path / "root") as (s, _):
            r = await s.call_tool("balance", {})
            assert not r.is_error, r
            v = body(r)
            assert "remain_balance" in v["key"]["balance"], v
            assert "remain_balance" in v["account"]["balance"], v
            refused = await s.call_tool("balance", {"api_key": "sk-nope"})
            assert refused.is_error

    run(main)


def test_a_bad_request_gets_every_problem_with_its_path(tmp_path):
    async def main():
        async with server(tmp_path / "root") as (s, _):
            r = await s.call_tool("validate", {"request": {
                "model": "doubao-seedance-2.0-mini",
                "prompt": "A kitten yawns",
                "duration": 20,
                "resolution": "4k",
                "image_with_roles": [{"url": "https://example.com/a.png", "role": "last_frame"}],
            }})
            assert not r.is_error
            v = body(r)
            assert v["valid"] is False
            problems = {(p["path"], p["code"]) for p in v["errors"]}
            assert ("duration", "duration_out_of_range") in problems
            assert ("resolution", "resolution_not_supported") in problems
            assert any(p["path"] == "image_with_roles[0].role" for p in v["errors"]), v["errors"]
            for p in v["errors"]:
                assert p["message"]
            ok = body(await s.call_tool("validate", {"request": {"model": "doubao-seedance-2.0", "prompt": "A kitten yawns"}}))
            assert ok["valid"] is True and ok["errors"] == []

    run(main)


def test_a_paying_call_without_max_cost_is_refused_and_sends_nothing(tmp_path):
    root = tmp_path / "root"

    async def main():
        async with server(root) as (s, _):
            request = {"model": "doubao-seedance-2.0", "prompt": "A kitten yawns", "duration": 4, "resolution": "480p"}
            r = await s.call_tool("generate", {"request": request})
            assert r.is_error
            assert body(r)["error"].startswith("max_cost: required")
            r = await s.call_tool("chain", {"plan": PLAN, "out": "film", "confirm_cost": 0.528})
            assert r.is_error and body(r)["error"].startswith("max_cost: required")
            # A budget below the estimate is refused too, with the estimate.
            r = await s.call_tool("generate", {"request": request, "max_cost": 0.1})
            assert r.is_error
            assert body(r)["estimate"]["total"] == pytest.approx(0.264)
            # The server's --max-cost is a ceiling on the caller's.
        async with server(root, "--max-cost", "1") as (s, _):
            r = await s.call_tool("generate", {"request": request, "max_cost": 5, "wait": False})
            assert r.is_error and "above the server's --max-cost" in body(r)["error"]
            ok = body(await s.call_tool("generate", {"request": request, "wait": False}))
            assert ok["task_id"]

    run(main)
    assert not (root / "generate").exists()
    assert not (root / "film").exists()


def test_paths_outside_the_root_are_refused(tmp_path):
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    (root / "link").symlink_to(outside)

    async def main():
        async with server(root) as (s, _):
            for out in ("../escape", str(tmp_path / "elsewhere"), "link/film", "a/../../escape"):
                r = await s.call_tool("chain", {"plan": PLAN, "out": out})
                assert r.is_error, out
                assert body(r)["error"].startswith("out: "), body(r)
            r = await s.call_tool("download", {"url": "http://127.0.0.1:9/x.mp4", "path": "/etc/seedance.mp4"})
            assert r.is_error and "outside the server's output root" in body(r)["error"]
            r = await s.call_tool("download", {"url": "http://127.0.0.1:9/x.mp4", "path": "link/x.mp4"})
            assert r.is_error and "symbolic link" in body(r)["error"]
            # A local image outside the root is not read for a request.
            (outside / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
            r = await s.call_tool("validate", {"request": {"model": "doubao-seedance-2.0", "prompt": "x", "image_urls": [str(outside / "photo.png")]}})
            assert r.is_error and "outside the server's output root" in body(r)["error"]

    run(main)
    assert list(outside.iterdir()) == [outside / "photo.png"]
    assert not (tmp_path / "escape").exists() and not (tmp_path / "elsewhere").exists()


def test_a_chain_is_a_dry_run_until_confirmed_then_reports_progress(tmp_path):
    root = tmp_path / "root"
    notes = []

    async def progress(done, total, message):
        notes.append((done, total, message))

    async def main():
        async with server(root) as (s, _):
            dry = body(await s.call_tool("chain", {"plan": PLAN, "out": "film"}))
            assert dry["dry_run"] is True
            assert len(dry["requests"]) == 2
            total = dry["estimate"]["total"]
            assert total == pytest.approx(2 * 4 * 0.066)
            assert "confirm_cost" in dry["next"]
            assert not (root / "film").exists()
            wrong = await s.call_tool("chain", {"plan": PLAN, "out": "film", "confirm_cost": total + 1, "max_cost": 5})
            assert wrong.is_error and body(wrong)["error"].startswith("confirm_cost:")
            r = await s.call_tool(
                "chain",
                {"plan": PLAN, "out": "film", "confirm_cost": total, "max_cost": 1},
                progress_callback=progress,
            )
            assert not r.is_error, r
            v = body(r)
            assert len(v["segments"]) == 2
            for seg in v["segments"]:
                assert pathlib.Path(seg["video"]).is_file()
                assert pathlib.Path(seg["video"]).resolve().is_relative_to(root.resolve())
            # What the (simulated) service billed, from the tasks' own cost.
            assert 0 < v["billed"] <= 1
            assert v["estimate"]["total"] == total
            takes = body(await s.call_tool("takes", {"out": "film"}))
            assert [len(j["takes"]) for j in takes["jobs"]] == [1, 1]

    run(main)
    assert notes, "no progress notifications"
    assert notes[-1][0] == notes[-1][1] == 200
    assert [n[0] for n in notes] == sorted(n[0] for n in notes)
    assert any("submitted" in n[2] for n in notes)


def test_cancelling_a_wait_leaves_the_task_running_and_the_server_serving(tmp_path):
    root = tmp_path / "root"

    async def main():
        async with server(root) as (s, errlog):
            request = {"model": "doubao-seedance-2.0", "prompt": "A kitten yawns", "duration": 4, "resolution": "480p"}
            # The simulator's tasks take a few seconds: on a loaded machine
            # the first progress can come with the end of the task, and the
            # wait returns before the cancel reaches it. Then try another.
            for _ in range(3):
                task_id = body(await s.call_tool("generate", {"request": request, "max_cost": 1, "wait": False}))["task_id"]
                first = anyio.Event()
                finished = False

                async def progress(done, total, message):
                    first.set()

                async with anyio.create_task_group() as tg:
                    async def waiter():
                        nonlocal finished
                        await s.call_tool("wait", {"task_id": task_id}, progress_callback=progress)
                        finished = True

                    tg.start_soon(waiter)
                    with anyio.fail_after(20):
                        await first.wait()
                    tg.cancel_scope.cancel()
                if not finished:
                    break
            else:
                pytest.fail("every wait ended before it could be cancelled")
            # The server stopped waiting (its log says so) and still answers.
            with anyio.fail_after(10):
                while "cancelled by the client" not in pathlib.Path(errlog.name).read_text():
                    await anyio.sleep(0.05)
            assert task_id in pathlib.Path(errlog.name).read_text()
            status = body(await s.call_tool("status", {"task_id": task_id}))
            assert status["id"] == task_id
            # The task kept running: it can be waited for and downloaded.
            done = body(await s.call_tool("download", {"task_id": task_id, "out": "videos"}))
            assert pathlib.Path(done["video"]["path"]).is_file()

    run(main)


def test_a_cancelled_chain_stops_at_a_safe_point_and_resumes_without_paying_twice(tmp_path):
    root = tmp_path / "root"
    plan = dict(PLAN, segments=PLAN["segments"] + [{"prompt": "The boat drifts out to sea"}])

    async def main():
        async with server(root) as (s, errlog):
            total = body(await s.call_tool("chain", {"plan": plan, "out": "film"}))["estimate"]["total"]
            submitted = anyio.Event()

            async def progress(done, total_, message):
                if "submitted" in message:
                    submitted.set()

            async with anyio.create_task_group() as tg:
                async def chain():
                    await s.call_tool("chain", {"plan": plan, "out": "film", "confirm_cost": total, "max_cost": 2}, progress_callback=progress)

                tg.start_soon(chain)
                with anyio.fail_after(20):
                    await submitted.wait()
                tg.cancel_scope.cancel()
            with anyio.fail_after(20):
                while "cancelled by the client" not in pathlib.Path(errlog.name).read_text():
                    await anyio.sleep(0.05)
            # Resumed: every segment has exactly one take, so nothing was paid twice.
            v = body(await s.call_tool("chain", {"plan": plan, "out": "film", "confirm_cost": total, "max_cost": 2}))
            assert len(v["segments"]) == 3
            takes = body(await s.call_tool("takes", {"out": "film"}))
            assert [len(j["takes"]) for j in takes["jobs"]] == [1, 1, 1]

    run(main)


def test_no_tool_takes_a_key_and_none_shows_it(tmp_path):
    async def main():
        async with server(tmp_path / "root") as (s, _):
            tools = (await s.list_tools()).tools
            for t in tools:
                names = json.dumps(t.input_schema).lower()
                assert "api_key" not in names and "apikey" not in names, t.name
            r = await s.call_tool("validate", {"request": {"model": "doubao-seedance-2.0", "prompt": "x"}, "api_key": "sk-x"})
            assert r.is_error and "api_key" in body(r)["error"]

    run(main)


def test_the_readme_agent_host_configuration_starts_the_server(tmp_path):
    """README's `mcpServers` snippet, as an agent host reads it (on the simulator, in a temporary root)."""
    import re

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Agents (MCP)", 1)[1]
    config = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    entry = config["mcpServers"]["seedance"]
    assert entry["command"] == "seedance" and entry["args"][0] == "mcp"
    args = list(entry["args"])
    args[args.index("--out-root") + 1] = str(tmp_path / "videos")
    env = dict(entry.get("env", {}), PATH=os.environ.get("PATH", "/usr/bin:/bin"))

    async def main():
        params = StdioServerParameters(command=BIN, args=[*args, "--mock"], env=env)
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                init = await s.initialize()
                assert init.server_info.name == "seedance"
                assert {t.name for t in (await s.list_tools()).tools} == EXPECTED_TOOLS
                # --max-cost from the configuration is the budget of calls that give none.
                r = await s.call_tool("generate", {"request": {"model": "doubao-seedance-2.0", "prompt": "x", "duration": 15, "resolution": "1080p"}, "wait": False})
                assert r.is_error and "above 5" in body(r)["error"], body(r)

    run(main)
    assert (tmp_path / "videos").is_dir()
