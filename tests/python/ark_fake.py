"""An Ark-shaped fake server, written from Ark's public documentation only.

Volcengine Ark / BytePlus ModelArk "content generation" (video) tasks:

    POST   /api/v3/contents/generations/tasks        create -> {"id": "cgt-..."}
    GET    /api/v3/contents/generations/tasks/{id}   the task object (no envelope)
    GET    /api/v3/contents/generations/tasks        list -> {"items": [...], "total": N}
    DELETE /api/v3/contents/generations/tasks/{id}   cancel a queued task / delete a finished record

Sources (see docs/providers.md for the tags):
- V-SDK: github.com/volcengine/volcengine-python-sdk @ b5be43b5,
  volcenginesdkarkruntime/resources/content_generation/tasks.py and
  types/content_generation/*.py (request fields, task fields, list query
  `page_num`, `page_size`, `filter.status`, `filter.model`,
  `filter.task_ids` repeated, `filter.service_tier`).
- BytePlus ModelArk API reference (create / get / list / cancel-or-delete,
  common error codes) as transcribed in docs/providers.md.

Written WITHOUT reading seedance-sim's Ark face, so that the CLI is checked
against an independent reading of the documents. Where the documents say
nothing, the fake picks what a real service plausibly does and says so:

- DELETE of a running task: documented as "not supported"; the response is
  not documented. This fake answers 400 InvalidParameter (guess).
- The task body carries fields the CLI does not need (`revised_prompt`,
  `subdivisionlevel`, `fileformat`, `tools`, `draft`...): the SDK's type has
  them, so a client must ignore what it does not know.
- `usage` is present only on succeeded tasks; `content` only once there is
  something to show; `error` is null unless the task failed.

Media: the video URL serves a real H.264 MP4 (made with ffmpeg, of the
task's size and duration), the last frame a real PNG of the same size; both
URLs carry a signed-looking query string like TOS presigned URLs.

Control endpoints for tests (not part of Ark), under /_fake/:
    GET  /_fake/requests        every request seen (method, path, query, body)
    POST /_fake/config          {"queue_s":..,"run_s":..,"strings":bool,...}
    POST /_fake/faults          {"create":[{"status":429,"code":..}], "get":[..]}
    POST /_fake/tasks/{id}      {"status": "running", "hold": true} (force a state)
    POST /_fake/seed_task       {...create body...} -> a task made without the client

Run standalone:  python3 tests/python/ark_fake.py --port 8790 [--platform byteplus]
"""

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import string
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/api/v3"
TASKS = API + "/contents/generations/tasks"

# Model ids per platform (V-C, B-ML; docs/providers.md "Model ids").
MODELS = {
    "volcengine": {
        "doubao-seedance-2-0-260128": "standard",
        "doubao-seedance-2-0-fast-260128": "fast",
        "doubao-seedance-2-0-mini-260615": "mini",
    },
    "byteplus": {
        "dreamina-seedance-2-0-260128": "standard",
        "dreamina-seedance-2-0-fast-260128": "fast",
        "dreamina-seedance-2-0-mini-260615": "mini",
    },
}

# Output sizes, seedance 2.0 column of the create reference (V-C).
SIZES = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "3:4": (560, 752),
             "9:16": (496, 864), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112),
             "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440),
              "3:4": (1248, 1664), "9:16": (1080, 1920), "21:9": (2206, 946)},
}
ROLES = {
    "image_url": {"first_frame", "last_frame", "reference_image"},
    "video_url": {"reference_video"},
    "audio_url": {"reference_audio"},
}
STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "expired"]


def now():
    return int(time.time())


def task_id():
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    tail = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
    return f"cgt-{stamp}-{tail}"


class ArkError(Exception):
    def __init__(self, status, code, message, param=None):
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param

    def body(self):
        types = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                 429: "TooManyRequests", 500: "InternalServerError"}
        err = {"code": self.code,
               "message": f"{self.message} Request id: 0217{random.randint(10**20, 10**21)}",
               "type": types.get(self.status, "InternalServerError")}
        if self.param is not None:
            err["param"] = self.param
        return {"error": err}


class Media:
    """Real media made with ffmpeg, cached by (w, h, seconds, audio)."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()

    def video(self, w, h, seconds, audio):
        path = os.path.join(self.root, f"v-{w}x{h}-{seconds}-{int(audio)}.mp4")
        with self.lock:
            if not os.path.exists(path):
                cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
                       "-i", f"testsrc2=size={w}x{h}:rate=24:duration={seconds}"]
                if audio:
                    cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                            "-c:a", "aac", "-shortest"]
                cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "40",
                        "-pix_fmt", "yuv420p", "-movflags", "+faststart", path + ".tmp.mp4"]
                subprocess.run(cmd, check=True)
                os.replace(path + ".tmp.mp4", path)
        return path

    def frame(self, w, h, seed):
        path = os.path.join(self.root, f"f-{w}x{h}-{seed}.png")
        with self.lock:
            if not os.path.exists(path):
                color = "0x%06x" % (seed & 0xFFFFFF)
                subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
                                "-i", f"color=c={color}:size={w}x{h}", "-frames:v", "1",
                                path + ".tmp.png"], check=True)
                os.replace(path + ".tmp.png", path)
        return path


class Fake:
    def __init__(self, platform="volcengine", api_key="test-ark-key", media_dir=None):
        self.platform = platform
        self.api_key = api_key
        self.lock = threading.RLock()
        self.tasks = {}  # id -> record
        self.order = []  # ids, oldest first
        self.requests = []
        self.faults = {"create": [], "get": [], "list": [], "delete": []}
        self.config = {
            "queue_s": 0.5,   # seconds queued
            "run_s": 1.0,     # seconds running
            "strings": False,  # numbers as strings in task bodies (tolerance check)
            "extra_status": None,  # e.g. "preprocessing": shown before queued
            # Null placeholders where a field has nothing yet (`content`,
            # `usage` null before success; an empty error object on success):
            # shapes seen in the SDK's non-optional types.
            "nulls": False,
        }
        self.tmp = tempfile.mkdtemp(prefix="ark-fake-")
        self.media = Media(media_dir or self.tmp)
        self.server = None
        self.base = None

    # ---- life cycle ------------------------------------------------------
    def start(self, port=0):
        fake = self

        class Handler(ArkHandler):
            pass

        Handler.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base = self.origin + API
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the task model ---------------------------------------------------
    def status_of(self, rec):
        if rec.get("forced"):
            return rec["forced"]
        age = time.time() - rec["t0"]
        if self.config["extra_status"] and age < self.config["queue_s"] / 2:
            return self.config["extra_status"]
        if age < self.config["queue_s"]:
            return "queued"
        if age < self.config["queue_s"] + self.config["run_s"]:
            return "running"
        return rec.get("final", "succeeded")

    def body_of(self, rec):
        st = self.status_of(rec)
        req = rec["req"]
        s = (lambda v: str(v)) if self.config["strings"] else (lambda v: v)
        body = {
            "id": rec["id"],
            "model": rec["model_version"],
            "status": st,
            "error": None,
            "created_at": s(rec["created_at"]),
            "updated_at": s(max(rec["created_at"], now() if st in ("queued", "running") else rec["created_at"] + 2)),
            "seed": s(rec["seed"]),
            "resolution": rec["resolution"],
            "ratio": rec["ratio_actual"],
            "duration": s(rec["duration"]),
            "framespersecond": s(24),
            "generate_audio": rec["generate_audio"],
            "service_tier": "default",
            "execution_expires_after": s(req.get("execution_expires_after", 172800)),
            "priority": req.get("priority", 0),
            "draft": False,
            "revised_prompt": "",
            "subdivisionlevel": "",
            "fileformat": "mp4",
            "tools": req.get("tools") or [],
        }
        if rec.get("safety_identifier"):
            body["safety_identifier"] = rec["safety_identifier"]
        if st == "succeeded":
            sig = hashlib.sha1(rec["id"].encode()).hexdigest()
            q = (f"X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20261204T000000Z"
                 f"&X-Tos-Expires=86400&X-Tos-Signature={sig}")
            content = {"video_url": f"{self.origin}/tos/{rec['id']}/video.mp4?{q}"}
            if rec["return_last_frame"]:
                content["last_frame_url"] = f"{self.origin}/tos/{rec['id']}/last_frame.png?{q}"
            body["content"] = content
            w, h = rec["wh"]
            tokens = (rec["duration"] * 24 + 1) * w * h // 1024
            body["usage"] = {"completion_tokens": s(tokens), "total_tokens": s(tokens)}
        elif self.config["nulls"]:
            body["content"] = None
            body["usage"] = None
        if st == "succeeded" and self.config["nulls"]:
            body["error"] = {"code": "", "message": ""}
        if st == "failed":
            body["error"] = rec.get("error") or {
                "code": "OutputVideoSensitiveContentDetected",
                "message": "The request failed because the output video may contain sensitive information."}
        return body

    def create(self, req):
        if not isinstance(req, dict):
            raise ArkError(400, "InvalidParameter", "The request body is not a JSON object.")
        model = req.get("model")
        if not model:
            raise ArkError(400, "MissingParameter", "The request failed because it is missing the `model` parameter.", "model")
        models = MODELS[self.platform]
        if model not in models and not str(model).startswith("ep-"):
            raise ArkError(404, "InvalidEndpointOrModel.NotFound",
                           f"The model or endpoint {model} does not exist or you do not have access to it.")
        content = req.get("content")
        if not isinstance(content, list) or not content:
            raise ArkError(400, "MissingParameter", "The request failed because it is missing the `content` parameter.", "content")
        counts = {"image_url": 0, "video_url": 0, "audio_url": 0}
        roles = []
        for i, item in enumerate(content):
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "text":
                if not isinstance(item.get("text"), str):
                    raise ArkError(400, "InvalidParameter", "text must be a string", f"content[{i}].text")
                continue
            if kind not in ROLES:
                raise ArkError(400, "InvalidParameter", f"unknown content type {kind!r}", f"content[{i}].type")
            inner = item.get(kind)
            url = inner.get("url") if isinstance(inner, dict) else None
            if not isinstance(url, str) or not url:
                raise ArkError(400, "MissingParameter", "url is required", f"content[{i}].{kind}.url")
            if url.startswith("data:"):
                head = url.split(",", 1)[0]
                want = {"image_url": "data:image/", "audio_url": "data:audio/"}.get(kind)
                if want is None or not head.startswith(want) or not head.endswith(";base64"):
                    raise ArkError(400, "InvalidParameter",
                                   f"The parameter `content[{i}].{kind}.url` specified in the request is not valid: base64 is not supported here.",
                                   f"content[{i}].{kind}.url")
                try:
                    base64.b64decode(url.split(",", 1)[1], validate=True)
                except Exception:
                    raise ArkError(400, "InvalidParameter", "invalid base64 data", f"content[{i}].{kind}.url")
            elif not (url.startswith("http://") or url.startswith("https://") or url.startswith("asset://")):
                raise ArkError(400, "InvalidParameter",
                               f"The parameter `content[{i}].{kind}.url` specified in the request is not valid.",
                               f"content[{i}].{kind}.url")
            role = item.get("role")
            if role is None:
                role = "first_frame" if kind == "image_url" else f"reference_{kind[:-4]}"
            if role not in ROLES[kind]:
                raise ArkError(400, "InvalidParameter", f"invalid role {role!r}", f"content[{i}].role")
            counts[kind] += 1
            roles.append(role)
        if counts["image_url"] > 9 or counts["video_url"] > 3 or counts["audio_url"] > 3:
            raise ArkError(400, "InvalidParameter", "too many media items", "content")
        for frame in ("first_frame", "last_frame"):
            # Two images without a role both default to first_frame: Ark
            # refuses that as it refuses two explicit first frames.
            if roles.count(frame) > 1:
                raise ArkError(400, "InvalidParameter", f"more than one {frame}", "content")
        if "last_frame" in roles and "first_frame" not in roles:
            raise ArkError(400, "InvalidParameter", "last_frame needs a first_frame", "content")
        if ("first_frame" in roles) and ({"reference_image", "reference_video", "reference_audio"} & set(roles)):
            raise ArkError(400, "InvalidParameter", "first/last frame and reference modes cannot be mixed", "content")
        if counts["audio_url"] and not (counts["image_url"] or counts["video_url"]):
            raise ArkError(400, "InvalidParameter", "audio needs an image or a video", "content")
        # Top-level parameters (V-C, B-C). Refused for the 2.0 family (TS):
        for field in ("camera_fixed", "frames", "draft"):
            if req.get(field) not in (None, False) or (field == "frames" and req.get(field) is not None):
                raise ArkError(400, "InvalidParameter.UnsupportedParameter",
                               f"The parameter `{field}` is not supported by the model.", field)
        if req.get("service_tier") not in (None, "default"):
            raise ArkError(400, "InvalidParameter.UnsupportedParameter",
                           "The parameter `service_tier` is not supported by the model.", "service_tier")
        resolution = req.get("resolution") or "720p"
        if resolution not in ("480p", "720p", "1080p", "4k"):
            raise ArkError(400, "InvalidParameter", "The parameter `resolution` specified in the request is not valid.", "resolution")
        ratio = req.get("ratio") or "adaptive"
        if ratio not in ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"):
            raise ArkError(400, "InvalidParameter", "The parameter `ratio` specified in the request is not valid.", "ratio")
        duration = req.get("duration", 5)
        if duration is None:
            duration = 5
        if not isinstance(duration, int) or isinstance(duration, bool) or not (duration == -1 or 4 <= duration <= 15):
            raise ArkError(400, "InvalidParameter", "The parameter `duration` specified in the request is not valid.", "duration")
        if duration == -1:
            duration = 5
        seed = req.get("seed", -1)
        if seed is None:
            seed = -1
        if not isinstance(seed, int) or not (-1 <= seed <= 2**32 - 1):
            raise ArkError(400, "InvalidParameter", "The parameter `seed` specified in the request is not valid.", "seed")
        eea = req.get("execution_expires_after")
        if eea is not None and not (isinstance(eea, int) and 3600 <= eea <= 259200):
            raise ArkError(400, "InvalidParameter", "execution_expires_after out of range", "execution_expires_after")
        pr = req.get("priority")
        if pr is not None and not (isinstance(pr, int) and 0 <= pr <= 9):
            raise ArkError(400, "InvalidParameter", "priority out of range", "priority")
        cb = req.get("callback_url")
        if cb is not None and not (isinstance(cb, str) and cb.startswith(("http://", "https://"))):
            raise ArkError(400, "InvalidParameter", "callback_url is not valid", "callback_url")
        if resolution == "4k" and models.get(model) != "standard":
            raise ArkError(400, "InvalidParameter", "4k is only supported by seedance 2.0", "resolution")
        actual = "16:9" if ratio == "adaptive" else ratio
        res_key = resolution if resolution in SIZES else "1080p"
        wh = SIZES[res_key][actual]
        if resolution == "4k":
            wh = (wh[0] * 2, wh[1] * 2)
        with self.lock:
            tid = task_id()
            while tid in self.tasks:
                tid = task_id()
            rec = {
                "id": tid, "t0": time.time(), "created_at": now(), "req": req,
                "model_version": model, "resolution": resolution, "ratio_actual": actual,
                "duration": duration, "seed": seed if seed >= 0 else random.randint(0, 2**31 - 1),
                "generate_audio": req.get("generate_audio", True) is not False,
                "return_last_frame": bool(req.get("return_last_frame")),
                "wh": wh, "safety_identifier": req.get("safety_identifier"),
            }
            self.tasks[tid] = rec
            self.order.append(tid)
        return rec

    def find(self, tid):
        with self.lock:
            rec = self.tasks.get(tid)
        if rec is None or rec.get("deleted"):
            raise ArkError(404, "ResourceNotFound", f"The specified task {tid} is not found.")
        return rec

    def list(self, query):
        def one(name, default=None):
            v = query.get(name)
            return v[0] if v else default
        try:
            page_num = int(one("page_num", "1"))
            page_size = int(one("page_size", "10"))
        except ValueError:
            raise ArkError(400, "InvalidParameter", "page_num/page_size must be integers", "page_size")
        if page_num < 1 or page_num > 500:
            raise ArkError(400, "InvalidParameter", "page_num out of range", "page_num")
        if page_size < 1 or page_size > 500:
            raise ArkError(400, "InvalidParameter", "page_size out of range", "page_size")
        status = one("filter.status")
        if status is not None and status not in STATUSES:
            raise ArkError(400, "InvalidParameter", "filter.status is not valid", "filter.status")
        ids = set(query.get("filter.task_ids", []))
        model = one("filter.model")
        cutoff = time.time() - 7 * 86400
        with self.lock:
            recs = [self.tasks[t] for t in reversed(self.order)]
        items = []
        for rec in recs:
            if rec.get("deleted") or rec["t0"] < cutoff:
                continue
            body = self.body_of(rec)
            if status and body["status"] != status:
                continue
            if ids and rec["id"] not in ids:
                continue
            if model and rec["model_version"] != model:
                continue
            items.append(body)
        start = (page_num - 1) * page_size
        return {"items": items[start:start + page_size], "total": len(items)}

    def delete(self, tid):
        rec = self.find(tid)
        st = self.status_of(rec)
        if st == "queued":
            rec["forced"] = "cancelled"
        elif st == "running":
            raise ArkError(400, "InvalidParameter",
                           f"The task {tid} is running and cannot be cancelled.", "id")
        elif st == "cancelled":
            raise ArkError(400, "InvalidParameter", f"The task {tid} is already cancelled.", "id")
        elif st in ("succeeded", "failed", "expired"):
            rec["deleted"] = True
        else:
            # A status Ark documents for neither cancelling nor deleting.
            raise ArkError(400, "InvalidParameter",
                           f"The task {tid} is {st} and cannot be cancelled or deleted.", "id")
        return {}


class ArkHandler(BaseHTTPRequestHandler):
    fake = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", "0217" + "".join(random.choice("0123456789abcdef") for _ in range(28)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_file(self, path, ctype):
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return raw

    def handle_any(self, method):
        fake = self.fake
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        raw = self.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")
        if not path.startswith("/_fake/") and not path.startswith("/tos/"):
            with fake.lock:
                fake.requests.append({"method": method, "path": path, "query": query, "body": body,
                                      "t": time.time()})
        try:
            if path.startswith("/_fake/"):
                return self.control(method, path, body)
            if path.startswith("/tos/"):
                return self.media(path)
            if not path.startswith(TASKS):
                raise ArkError(404, "NotFound", f"The requested path {path} is not found.")
            auth = self.headers.get("Authorization", "")
            if auth != f"Bearer {fake.api_key}":
                raise ArkError(401, "AuthenticationError",
                               "The API key or AK/SK in the request is missing or invalid.")
            rest = path[len(TASKS):].strip("/")
            if method == "POST" and not rest:
                self.fault("create")
                if isinstance(body, str):
                    raise ArkError(400, "InvalidParameter", "The request body is not valid JSON.")
                rec = fake.create(body)
                return self.send_json(200, {"id": rec["id"]})
            if method == "GET" and not rest:
                self.fault("list")
                return self.send_json(200, fake.list(query))
            if method == "GET" and "/" not in rest:
                self.fault("get")
                return self.send_json(200, fake.body_of(fake.find(rest)))
            if method == "DELETE" and "/" not in rest:
                self.fault("delete")
                return self.send_json(200, fake.delete(rest))
            raise ArkError(404, "NotFound", f"The requested path {path} is not found.")
        except ArkError as e:
            headers = {"Retry-After": "1"} if e.status == 429 else None
            return self.send_json(e.status, e.body(), headers)

    def fault(self, op):
        with self.fake.lock:
            queue = self.fake.faults.get(op) or []
            f = queue.pop(0) if queue else None
        if f:
            raise ArkError(f.get("status", 500), f.get("code", "InternalServiceError"),
                           f.get("message", "injected fault"), f.get("param"))

    def media(self, path):
        parts = path.split("/")  # /tos/<id>/<file>
        rec = self.fake.tasks.get(parts[2]) if len(parts) > 3 else None
        if rec is None:
            return self.send_json(404, {"error": "NoSuchKey"})
        w, h = rec["wh"]
        if parts[3] == "video.mp4":
            return self.send_file(self.fake.media.video(w, h, rec["duration"], rec["generate_audio"]), "video/mp4")
        if parts[3] == "last_frame.png":
            seed = int(hashlib.sha1(rec["id"].encode()).hexdigest()[:6], 16)
            return self.send_file(self.fake.media.frame(w, h, seed), "image/png")
        return self.send_json(404, {"error": "NoSuchKey"})

    def control(self, method, path, body):
        fake = self.fake
        if path == "/_fake/requests":
            with fake.lock:
                return self.send_json(200, fake.requests)
        if path == "/_fake/config" and method == "POST":
            fake.config.update(body or {})
            return self.send_json(200, fake.config)
        if path == "/_fake/faults" and method == "POST":
            with fake.lock:
                for k, v in (body or {}).items():
                    fake.faults.setdefault(k, []).extend(v)
            return self.send_json(200, {})
        if path == "/_fake/seed_task" and method == "POST":
            rec = fake.create(body)
            return self.send_json(200, {"id": rec["id"]})
        if path.startswith("/_fake/tasks/") and method == "POST":
            rec = fake.tasks[path.rsplit("/", 1)[1]]
            if body.get("status"):
                rec["forced"] = body["status"]
            if body.get("error"):
                rec["error"] = body["error"]
            return self.send_json(200, fake.body_of(rec))
        return self.send_json(404, {"error": "no such control"})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument("--platform", choices=["volcengine", "byteplus"], default="volcengine")
    ap.add_argument("--key", default="test-ark-key")
    args = ap.parse_args()
    fake = Fake(args.platform, args.key).start(args.port)
    print(fake.base, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
