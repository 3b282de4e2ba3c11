"""Seedance 2.0 video generation (apimart) on the Rust core of seedance.

    import seedance
    client = seedance.Client(simulator=seedance.Simulator())
    request = seedance.Request(model="doubao-seedance-2.0", prompt="A kitten yawns", duration=4, resolution="480p")
    result = client.generate(request, out="out", progress=lambda p: print(p.status, p.progress))
    print(result.video.path, result.cost)

Without ``simulator=``, the client talks to the real service with the key
in ``APIMART_API_KEY`` (or ``api_key=``). A :class:`Request` is checked
against every rule of the API when it is made: :class:`ValidationError`
lists every problem with its field path. Ctrl-C during a wait raises
:class:`Interrupted` (a ``KeyboardInterrupt``) carrying the task id, which
keeps running on the server: ``client.wait(e.task_id)`` picks it up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _native
from ._native import Simulator

__all__ = [
    "AsyncClient",
    "BatchResult",
    "ChainResult",
    "Client",
    "File",
    "Generated",
    "Interrupted",
    "Problem",
    "Progress",
    "Request",
    "RunProgress",
    "SeedanceError",
    "Simulator",
    "Task",
    "ValidationError",
    "estimate",
    "validate",
]


@dataclasses.dataclass(frozen=True)
class Problem:
    """One broken rule: its stable code, the field path (``image_with_roles[1].role``) and a message."""

    code: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(body)'}: {self.message}"


class SeedanceError(Exception):
    """A failure of the service, the client or a run. ``kind`` says which; ``data`` has the details."""

    def __init__(self, message: str, kind: str = "client", data: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.kind = kind
        self.data = data or {}

    @property
    def task_id(self) -> Optional[str]:
        """The task this error is about, when known."""
        return self.data.get("task_id")

    @property
    def may_have_created_task(self) -> bool:
        """Whether a (billed) task may exist although no id came back: check before submitting again."""
        return bool(self.data.get("may_have_created_task"))


class ValidationError(SeedanceError, ValueError):
    """A request (or plan, or jobs) the API would reject: ``problems`` lists every one at once."""

    def __init__(self, message: str, problems: Sequence[Problem], warnings: Sequence[Problem] = ()):
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{message}\n{lines}" if lines else message, "invalid", {})
        self.problems: List[Problem] = list(problems)
        self.warnings: List[Problem] = list(warnings)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a call. ``task_id`` is the task that keeps running on the server (or None)."""

    def __init__(self, message: str, task_id: Optional[str] = None):
        super().__init__(message)
        self.task_id = task_id


def _problems(items: Sequence[Mapping[str, Any]]) -> List[Problem]:
    return [Problem(str(p.get("code", "")), str(p.get("path", "")), str(p.get("message", ""))) for p in items]


def _raise_native(e: BaseException) -> None:
    if isinstance(e, _native.NativeInterrupted):
        raise Interrupted(*e.args) from None
    if isinstance(e, _native.NativeError):
        message, kind, data = e.args
        data = json.loads(data) if data else {}
        data = data if isinstance(data, dict) else {}
        if kind == "invalid":
            raise ValidationError(message, _problems(data.get("errors") or []), _problems(data.get("warnings") or [])) from None
        if kind == "cancelled":
            raise asyncio.CancelledError(message) from None
        raise SeedanceError(message, kind, data) from None
    raise e


def _native_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (_native.NativeInterrupted, _native.NativeError) as e:
        _raise_native(e)


_REQUEST_FIELDS = (
    "model", "prompt", "duration", "size", "resolution", "seed", "generate_audio",
    "return_last_frame", "camera_fixed", "watermark", "tools", "image_urls",
    "image_with_roles", "video_urls", "audio_urls",
)


@dataclasses.dataclass(frozen=True)
class Request:
    """A Seedance 2.0 generation request, checked when made (:class:`ValidationError` otherwise).

    Fields are those of ``seedance schema request``; unset ones are not sent
    (the SDK never fills in server defaults). ``warnings`` holds what the
    validator warns about.
    """

    model: str
    prompt: Optional[str] = None
    duration: Optional[int] = None
    size: Optional[str] = None
    resolution: Optional[str] = None
    seed: Optional[int] = None
    generate_audio: Optional[bool] = None
    return_last_frame: Optional[bool] = None
    camera_fixed: Optional[bool] = None
    watermark: Optional[bool] = None
    tools: Optional[List[Dict[str, Any]]] = None
    image_urls: Optional[List[str]] = None
    image_with_roles: Optional[List[Dict[str, str]]] = None
    video_urls: Optional[List[str]] = None
    audio_urls: Optional[List[str]] = None
    warnings: List[Problem] = dataclasses.field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", validate(self.to_dict()))

    def to_dict(self) -> Dict[str, Any]:
        """The body as it will be sent (unset fields left out)."""
        return {k: getattr(self, k) for k in _REQUEST_FIELDS if getattr(self, k) is not None}

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> "Request":
        """A request from a JSON body; unknown fields are problems, like every other."""
        warnings = validate(dict(body))  # raises, naming every problem
        unknown = [k for k in body if k not in _REQUEST_FIELDS]
        if unknown:
            # The service ignores them; a typed request cannot carry them.
            said = {w.path: w for w in warnings}
            problems = [said.get(k) or Problem("unknown_field", k, "is not a field of a request") for k in unknown]
            raise ValidationError(f"not a request field: {', '.join(unknown)}", problems)
        return cls(**dict(body))


RequestLike = Union[Request, Mapping[str, Any], str]


def _body(request: RequestLike) -> Dict[str, Any]:
    if isinstance(request, Request):
        return request.to_dict()
    if isinstance(request, str):
        return json.loads(request)
    return dict(request)


def validate(request: RequestLike) -> List[Problem]:
    """Checks a request against every rule; returns its warnings or raises :class:`ValidationError` with every problem."""
    report = json.loads(_native.validate(json.dumps(_body(request))))
    if not report["valid"]:
        n = len(report["errors"])
        raise ValidationError(f"invalid request: {n} problem{'s' if n != 1 else ''}", _problems(report["errors"]), _problems(report["warnings"]))
    return _problems(report["warnings"])


def estimate(requests: Union[RequestLike, Sequence[RequestLike]]) -> Dict[str, Any]:
    """The built-in price table's estimate (``total``, ``currency``, ``lines``, ``unpriced``)."""
    items = [requests] if isinstance(requests, (Request, str, Mapping)) else list(requests)
    return json.loads(_native_call(_native.estimate, json.dumps([_body(r) for r in items])))


@dataclasses.dataclass(frozen=True)
class Progress:
    """One poll of a wait."""

    task_id: str
    status: str
    progress: Optional[int]
    elapsed: float
    eta: Optional[float]


@dataclasses.dataclass(frozen=True)
class RunProgress:
    """Something that happened to one segment or job of a chain or batch."""

    index: int
    event: str
    task_id: Optional[str] = None
    status: Optional[str] = None
    progress: Optional[int] = None
    path: Optional[str] = None
    message: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Task:
    """A task's state."""

    id: str
    status: str
    progress: Optional[int] = None
    cost: Optional[float] = None
    video_url: Optional[str] = None
    last_frame_url: Optional[str] = None
    error: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class File:
    """A downloaded file, checked and renamed into place."""

    path: Path
    bytes: int
    digest: str
    algorithm: str


@dataclasses.dataclass(frozen=True)
class Generated:
    """A finished task and its files."""

    task_id: str
    task: Task
    video: File
    last_frame: Optional[File]

    @property
    def cost(self) -> Optional[float]:
        """What the task was billed."""
        return self.task.cost


@dataclasses.dataclass(frozen=True)
class ChainResult:
    """A chain's segment videos, in order, and what was billed."""

    videos: List[Path]
    segments: List[Dict[str, Any]]
    billed: Optional[float]


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """A batch's finished and failed jobs and what was billed."""

    done: List[int]
    failed: List[Dict[str, Any]]
    videos: List[Dict[str, Any]]
    billed: Optional[float]


def _task(d: Mapping[str, Any]) -> Task:
    return Task(**{k: d.get(k) for k in ("id", "status", "progress", "cost", "video_url", "last_frame_url", "error")})


def _file(d: Optional[Mapping[str, Any]]) -> Optional[File]:
    if d is None:
        return None
    return File(Path(d["path"]), int(d["bytes"]), d["digest"], d["algorithm"])


def _generated(d: Mapping[str, Any]) -> Generated:
    task = _task(d["task"])
    video = _file(d["video"])
    assert video is not None
    return Generated(task.id, task, video, _file(d.get("last_frame")))


def _on_wait(progress: Optional[Callable[[Progress], Any]]) -> Optional[Callable[[str], None]]:
    if progress is None:
        return None
    return lambda text: progress(Progress(**json.loads(text)))


def _on_run(progress: Optional[Callable[[RunProgress], Any]]) -> Optional[Callable[[str], None]]:
    if progress is None:
        return None
    return lambda text: progress(RunProgress(**json.loads(text)))


def _plan_body(plan: Union[Mapping[str, Any], str, os.PathLike]) -> Dict[str, Any]:
    if isinstance(plan, os.PathLike) or (isinstance(plan, str) and not plan.lstrip().startswith("{")):
        return json.loads(Path(plan).read_text())
    if isinstance(plan, str):
        return json.loads(plan)
    return dict(plan)


class Client:
    """The seedance client: ``Client()`` for the real service (key from ``APIMART_API_KEY``),
    ``Client(simulator=Simulator())`` to test without a key.

    Every method blocks; :class:`AsyncClient` has the same methods as coroutines.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        simulator: Optional[Simulator] = None,
        timeout: float = 1800.0,
    ):
        self._native = _native_call(_native.NativeClient, api_key, base_url, simulator, float(timeout))

    def __repr__(self) -> str:
        return "seedance.Client()"

    def submit(self, request: RequestLike) -> str:
        """Validates and submits a request (this pays); returns the task id."""
        body = _body(request)
        validate(body)
        return _native_call(self._native.submit, json.dumps(body))

    def status(self, task_id: str) -> Task:
        """One status request."""
        return _task(json.loads(_native_call(self._native.status, task_id)))

    def wait(self, task_id: str, progress: Optional[Callable[[Progress], Any]] = None, *, _cancel: Any = None) -> Task:
        """Polls until the task completes (or fails: :class:`SeedanceError`). ``progress`` is called after every poll.

        Ctrl-C raises :class:`Interrupted` with the task id; the task keeps running."""
        return _task(json.loads(_native_call(self._native.wait, task_id, _on_wait(progress), _cancel)))

    def download(self, task_id: str, out: Union[str, os.PathLike], progress: Optional[Callable[[Progress], Any]] = None, *, _cancel: Any = None) -> Generated:
        """Waits for a task if needed and downloads its video (and last frame) into the directory ``out``."""
        Path(out).mkdir(parents=True, exist_ok=True)
        return _generated(json.loads(_native_call(self._native.finish, task_id, os.fspath(out), _on_wait(progress), _cancel)))

    def download_url(self, url: str, path: Union[str, os.PathLike], *, _cancel: Any = None) -> File:
        """Downloads one result URL to the file ``path`` (checked, written to a temporary name, renamed)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        result = _file(json.loads(_native_call(self._native.download_url, url, os.fspath(path), _cancel)))
        assert result is not None
        return result

    def generate(self, request: RequestLike, out: Union[str, os.PathLike], progress: Optional[Callable[[Progress], Any]] = None, *, _cancel: Any = None) -> Generated:
        """Submits, waits and downloads into ``out``. Ctrl-C after the submit raises :class:`Interrupted` with the task id."""
        task_id = self.submit(request)
        return self.download(task_id, out, progress, _cancel=_cancel)

    def chain(self, plan: Union[Mapping[str, Any], str, os.PathLike], out: Union[str, os.PathLike], *, max_cost: Optional[float] = None, progress: Optional[Callable[[RunProgress], Any]] = None, _cancel: Any = None) -> ChainResult:
        """Runs a chain plan (a dict, JSON text or a file; see ``seedance schema plan``) into ``out``.

        Rerun to resume: nothing is paid twice. ``max_cost`` refuses a plan estimated above it.
        Ctrl-C stops at the next safe point (submits on the wire are recorded) and raises :class:`Interrupted`."""
        d = json.loads(_native_call(self._native.chain, json.dumps(_plan_body(plan)), os.fspath(out), max_cost, _on_run(progress), _cancel))
        return ChainResult([Path(v) for v in d["videos"]], d["segments"], d["billed"])

    def batch(self, jobs: Sequence[RequestLike], out: Union[str, os.PathLike], *, concurrency: int = 4, max_cost: Optional[float] = None, progress: Optional[Callable[[RunProgress], Any]] = None, _cancel: Any = None) -> BatchResult:
        """Runs independent jobs into ``out`` with bounded concurrency; rerun to resume."""
        d = json.loads(_native_call(self._native.batch, json.dumps([_body(j) for j in jobs]), os.fspath(out), concurrency, max_cost, _on_run(progress), _cancel))
        return BatchResult(d["done"], d["failed"], d["videos"], d["billed"])


class AsyncClient:
    """:class:`Client` for ``asyncio``: the same methods as coroutines.

    Each call runs on a worker thread; cancelling the awaiting task stops the
    call within 50 ms (a wait ends and its task keeps running on the server;
    a chain or batch stops at its next safe point). Progress callbacks run
    on the event loop.
    """

    def __init__(self, api_key: Optional[str] = None, base_url: Optional[str] = None, simulator: Optional[Simulator] = None, timeout: float = 1800.0):
        self._client = Client(api_key, base_url, simulator, timeout)

    async def _run(self, method: Callable[..., Any], *args: Any, progress: Optional[Callable[[Any], Any]] = None, cancellable: bool = True, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        cancel = _native.Cancel()
        if progress is not None:
            user = progress

            def progress(p: Any) -> None:
                loop.call_soon_threadsafe(user, p)

            kwargs["progress"] = progress
        if cancellable:
            kwargs["_cancel"] = cancel
        future = loop.run_in_executor(None, functools.partial(method, *args, **kwargs))
        try:
            return await future
        except asyncio.CancelledError:
            cancel.cancel()
            raise

    async def submit(self, request: RequestLike) -> str:
        """See :meth:`Client.submit` (not cancellable once sent: the id would be lost)."""
        return await self._run(self._client.submit, request, cancellable=False)

    async def status(self, task_id: str) -> Task:
        """See :meth:`Client.status`."""
        return await self._run(self._client.status, task_id, cancellable=False)

    async def wait(self, task_id: str, progress: Optional[Callable[[Progress], Any]] = None) -> Task:
        """See :meth:`Client.wait`."""
        return await self._run(self._client.wait, task_id, progress=progress)

    async def download(self, task_id: str, out: Union[str, os.PathLike], progress: Optional[Callable[[Progress], Any]] = None) -> Generated:
        """See :meth:`Client.download`."""
        return await self._run(self._client.download, task_id, out, progress=progress)

    async def download_url(self, url: str, path: Union[str, os.PathLike]) -> File:
        """See :meth:`Client.download_url`."""
        return await self._run(self._client.download_url, url, path)

    async def generate(self, request: RequestLike, out: Union[str, os.PathLike], progress: Optional[Callable[[Progress], Any]] = None) -> Generated:
        """See :meth:`Client.generate`."""
        task_id = await self.submit(request)
        return await self.download(task_id, out, progress)

    async def chain(self, plan: Union[Mapping[str, Any], str, os.PathLike], out: Union[str, os.PathLike], *, max_cost: Optional[float] = None, progress: Optional[Callable[[RunProgress], Any]] = None) -> ChainResult:
        """See :meth:`Client.chain`."""
        return await self._run(self._client.chain, plan, out, max_cost=max_cost, progress=progress)

    async def batch(self, jobs: Sequence[RequestLike], out: Union[str, os.PathLike], *, concurrency: int = 4, max_cost: Optional[float] = None, progress: Optional[Callable[[RunProgress], Any]] = None) -> BatchResult:
        """See :meth:`Client.batch`."""
        return await self._run(self._client.batch, jobs, out, concurrency=concurrency, max_cost=max_cost, progress=progress)
