"""The simulated agencies: one HTTP server on loopback answering for every automatic source.

    POST /v1/sources/<code>/query
      {"request_id", "purpose", "authorization_ref", "id_numbers": [...]}
      200 {"source", "request_id", "answered_at", "records": [{"id_number", <fields>}, ...]}
      400 malformed_request | invalid_id_number · 403 missing_authorization · 404 unknown_source |
      manual_source · 413 body_too_large · 503 source_down | simulated_error
    GET  /v1/sources                the hosted sources, their fields and their current behaviour
    GET  /healthz                   {"status": "ok", "persons", "sources"}

Every error body is {"error": {"code", "message", ...}}. Behaviour is configurable per run and per
source (latency with jitter, error rate, timeout rate, down) and deterministic for a seed: each
draw is a hash of (seed, source, request_id, attempt number), so concurrent clients and retries see
the same outcomes run after run. A "timeout" holds the answer for `hang_s` seconds (beyond any
client timeout), then answers late. Standard library only (`http.server.ThreadingHTTPServer`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from stdnum.cn import ric

from safetynet.verification.sources.catalog import SOURCES, Mode

from .data import CityIndex

MAX_BODY_BYTES = 1_000_000
MAX_ID_NUMBERS = 200
_QUERY_PATH = re.compile(r"^/v1/sources/([A-Za-z0-9_\-]+)/query/?$")


@dataclass(frozen=True)
class Behaviour:
    """How one source behaves. Rates are probabilities per query (0..1)."""

    latency_ms: float = 40.0
    jitter_ms: float | None = None  # ± uniform; None means a quarter of the latency
    error_rate: float = 0.0  # answer 503 simulated_error
    timeout_rate: float = 0.0  # hold the answer for hang_s seconds
    down: bool = False  # always 503 source_down

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.latency_ms < 0 or (self.jitter_ms is not None and self.jitter_ms < 0):
            raise ValueError("latency and jitter must not be negative")

    @property
    def jitter(self) -> float:
        return self.latency_ms / 4 if self.jitter_ms is None else self.jitter_ms


@dataclass
class SimulatorConfig:
    default: Behaviour = field(default_factory=Behaviour)
    per_source: dict[str, Behaviour] = field(default_factory=dict)
    seed: int = 0
    hang_s: float = 30.0

    def behaviour(self, code: str) -> Behaviour:
        return self.per_source.get(code, self.default)

    def set(self, code: str | None = None, **changes) -> None:
        """Change the default (code None) or one source's behaviour.

        e.g. `config.set("bank_icbc", down=True)`."""
        if code is None:
            self.default = replace(self.default, **changes)
        else:
            if code not in SOURCES:
                raise KeyError(code)
            self.per_source[code] = replace(self.behaviour(code), **changes)


def _draws(seed: int, code: str, request_id: str, attempt: int) -> tuple[float, float, float]:
    digest = hashlib.blake2b(
        f"{seed}\x1f{code}\x1f{request_id}\x1f{attempt}".encode(), digest_size=24
    ).digest()
    return tuple(int.from_bytes(digest[i : i + 8], "big") / 2**64 for i in (0, 8, 16))  # type: ignore[return-value]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def validate_query(body: bytes) -> dict:
    """The checked query body, or ApiError (400 malformed/invalid ID, 403 no authorization)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "malformed_request", f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_request", "the body must be a JSON object")
    for name in ("request_id", "purpose"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ApiError(
                400, "malformed_request", f"{name} must be a non-empty string", field=name
            )
    auth = data.get("authorization_ref")
    if not isinstance(auth, str) or not auth.strip():
        raise ApiError(
            403,
            "missing_authorization",
            "no signed authorisation (授权书) referenced",
            field="authorization_ref",
        )
    ids = data.get("id_numbers")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(
            400,
            "malformed_request",
            "id_numbers must be a non-empty list of strings",
            field="id_numbers",
        )
    if len(ids) > MAX_ID_NUMBERS:
        raise ApiError(
            400,
            "malformed_request",
            f"at most {MAX_ID_NUMBERS} ID numbers per query",
            field="id_numbers",
        )
    for number in ids:
        if len(number) != 18 or not ric.is_valid(number):
            raise ApiError(
                400, "invalid_id_number", f"invalid ID number: {number!r}", id_number=number
            )
    data["id_numbers"] = [i.upper() for i in ids]
    return data


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "SafetyNetAgencySimulator/1"

    def log_message(self, format: str, *args) -> None:
        if self.server.sim.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status == 503:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a simulated timeout): nothing to do

    def _error(self, exc: ApiError) -> None:
        self._send(exc.status, {"error": {"code": exc.code, "message": exc.message, **exc.extra}})

    def do_GET(self) -> None:
        sim = self.server.sim
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/healthz":
            self._send(
                200,
                {
                    "status": "ok",
                    "persons": sim.index.persons,
                    "sources": sum(SOURCES[c].automatic for c in sim.index.tables),
                },
            )
        elif path == "/v1/sources":
            self._send(200, {"sources": sim.describe()})
        else:
            self._error(ApiError(404, "not_found", f"no such resource: {path}"))

    def do_POST(self) -> None:
        sim = self.server.sim
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            return self._error(ApiError(413, "body_too_large", f"at most {MAX_BODY_BYTES} bytes"))
        body = self.rfile.read(length)
        match = _QUERY_PATH.match(self.path.split("?", 1)[0])
        if not match:
            return self._error(ApiError(404, "not_found", f"no such resource: {self.path}"))
        code = match.group(1)
        try:
            self._send(200, sim.answer(code, body))
        except ApiError as exc:
            self._error(exc)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    sim: AgencySimulator


class AgencySimulator:
    """The simulated agencies of one city. `start()` serves in a background thread (tests, bench);
    `serve_forever()` in the foreground (`safetynet agencies serve`)."""

    def __init__(
        self,
        city: CityIndex | Path | str,
        config: SimulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ):
        self.index = city if isinstance(city, CityIndex) else CityIndex.load(city)
        self.config = config or SimulatorConfig()
        self.verbose = verbose
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._attempts: Counter[tuple[str, str]] = Counter()
        self.requests: Counter[str] = Counter()  # per source: queries received
        self.in_flight = 0
        self.max_in_flight = 0
        self._httpd = _Server((host, port), _Handler)
        self._httpd.sim = self
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> AgencySimulator:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="agency-simulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._httpd.serve_forever()
        finally:
            self._stopping.set()
            self._httpd.server_close()

    def stop(self) -> None:
        self._stopping.set()  # releases held ("timed-out") answers at once
        if self._thread is not None:  # shutdown() would wait forever on a server never started
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> AgencySimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()
            self._attempts.clear()
            self.max_in_flight = self.in_flight

    # ---------------------------------------------------------------- behaviour
    def describe(self) -> list[dict]:
        out = []
        for code in self.index.tables:
            s = SOURCES[code]
            if not s.automatic:
                continue
            out.append(
                {
                    "code": s.code,
                    "name_zh": s.name_zh,
                    "name_en": s.name_en,
                    "department": s.department.code,
                    "department_zh": s.department.name_zh,
                    "data_items": [i.code for i in s.data_items],
                    "fields": [
                        {
                            "name": f.name,
                            "type": f.type.value,
                            "unit": f.unit,
                            "nullable": f.nullable,
                        }
                        for f in s.fields
                    ],
                    "behaviour": asdict(self.config.behaviour(code)),
                }
            )
        return out

    def answer(self, code: str, body: bytes) -> dict:
        source = SOURCES.get(code)
        if source is None:
            raise ApiError(404, "unknown_source", f"unknown source: {code}")
        if source.mode is Mode.MANUAL or code not in self.index.tables:
            raise ApiError(404, "manual_source", f"{code} answers by file exchange, not over HTTP")
        behaviour = self.config.behaviour(code)
        with self._lock:
            self.requests[code] += 1
        if behaviour.down:
            raise ApiError(503, "source_down", f"{source.name_zh} is unavailable")
        query = validate_query(body)
        with self._lock:
            key = (code, query["request_id"])
            self._attempts[key] += 1
            attempt = self._attempts[key]
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            u_latency, u_error, u_timeout = _draws(
                self.config.seed, code, query["request_id"], attempt
            )
            if u_timeout < behaviour.timeout_rate:
                self._stopping.wait(self.config.hang_s)
            else:
                delay = behaviour.latency_ms + (2 * u_latency - 1) * behaviour.jitter
                self._stopping.wait(max(delay, 0.0) / 1000)
            if u_error < behaviour.error_rate:
                raise ApiError(503, "simulated_error", f"{source.name_zh}: simulated service error")
            records = self.index.lookup(code, query["id_numbers"])
        finally:
            with self._lock:
                self.in_flight -= 1
        return {
            "source": code,
            "request_id": query["request_id"],
            "answered_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "records": records,
        }


__all__ = ["AgencySimulator", "ApiError", "Behaviour", "SimulatorConfig", "validate_query"]
