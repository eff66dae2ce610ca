"""The alarm devices' side of the contract (docs/eldercare-emergency.md). Standard library only.

`DeviceClient`: one device, one signal at a time (urllib), retried with the same signal ID on
429 (after Retry-After), 5xx and network errors.

`storm(...)`: many devices at once for the benchmark — `total` signals from distinct devices,
paced at `per_minute` (0: as fast as possible), over `concurrency` kept-alive connections
(asyncio, the hospitals' `Connection`). Every signal is retried until answered; a share
(`replay_rate`) is sent a second time after its answer, which must come back `replayed` with
the same emergency. Latency is measured per signal from its turn (the press; it waits when the
client falls behind) to its answer, and per HTTP request alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from safetynet.simulated.hospitals.client import Connection

PATH = "/api/eldercare/emergency/signals/"


def signal_body(signal_id: str, kind: str = "button", sent_at: dt.datetime | None = None) -> dict:
    body = {"signal_id": signal_id, "kind": kind}
    if sent_at is not None:
        body["sent_at"] = sent_at.isoformat()
    return body


class DeviceClient:
    def __init__(self, base_url: str, key: str, *, timeout: float = 10.0, retries: int = 5):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.retries = retries
        self._sent: dict[str, dict] = {}  # a signal sent again is sent identically

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(
                self.base_url + path,
                data=data,
                method=method,
                headers={
                    "Authorization": f"DeviceKey {self.key}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return resp.status, json.loads(resp.read() or b"{}")
            except urllib.error.HTTPError as exc:
                if attempt < self.retries and (exc.code == 429 or exc.code >= 500):
                    wait = float(exc.headers.get("Retry-After") or 0.5) if exc.code == 429 else 0.3
                    time.sleep(min(wait, 5.0))
                    continue  # the same signal ID: the platform opens one emergency
                return exc.code, json.loads(exc.read() or b"{}")
            except (urllib.error.URLError, TimeoutError):
                if attempt >= self.retries:
                    raise
                time.sleep(0.3 * (attempt + 1))
        raise RuntimeError("unreachable")

    def signal(self, signal_id: str, kind: str = "button") -> tuple[int, dict]:
        """Send a signal; the same ID again sends the very same body (a replay: the stored
        answer), as the contract asks of a device that lost an answer."""
        if signal_id not in self._sent:
            now = dt.datetime.now(dt.UTC).astimezone()
            self._sent[signal_id] = signal_body(signal_id, kind, now)
        return self._call("POST", PATH, self._sent[signal_id])

    def status(self, signal_id: str) -> tuple[int, dict]:
        return self._call("GET", f"{PATH}{signal_id}/")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


async def storm(
    url: str,
    devices: list[dict],
    *,
    total: int,
    per_minute: float,
    concurrency: int = 50,
    replay_rate: float = 0.0,
    seed: int = 0,
    run_id: str | None = None,
) -> dict:
    """`total` signals, one per device (devices[i] sends signal i), paced at `per_minute`."""
    if total > len(devices):
        raise ValueError(f"{total} signals need {total} devices, the plan has {len(devices)}")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    run_id = run_id or f"R{int(time.time())}"
    rng = random.Random(seed)
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []  # from the press (the signal's turn) to its answer
    requests: list[float] = []  # each HTTP exchange alone
    statuses: dict[str, int] = {}
    errors: list[str] = []
    answered: dict[int, str] = {}
    retries = 0
    t0 = time.monotonic()
    interval = 60.0 / per_minute if per_minute else 0.0

    async def feeder():
        for i in range(total):
            if interval:
                delay = t0 + i * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await queue.put((i, time.monotonic()))
        for _ in range(concurrency):
            await queue.put(None)

    async def worker():
        nonlocal retries
        conn = Connection(host, port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                i, started = item
                device = devices[i]
                headers = {
                    "Authorization": f"DeviceKey {device['key']}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "X-Forwarded-Proto": "https",
                }
                sent = dt.datetime.now(dt.UTC).isoformat()
                body = json.dumps(signal_body(f"{run_id}-{i}") | {"sent_at": sent}).encode()
                for attempt in range(20):
                    sent_at = time.monotonic()
                    try:
                        status, data = await conn.request("POST", PATH, headers, body)
                        requests.append((time.monotonic() - sent_at) * 1000)
                    except (OSError, asyncio.IncompleteReadError) as exc:
                        retries += 1
                        if attempt == 19:
                            errors.append(f"signal {i}: {type(exc).__name__} {exc}")
                        await asyncio.sleep(0.2)
                        continue
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                    if status == 429 or status >= 500:
                        retries += 1
                        await asyncio.sleep(0.5)
                        continue
                    break
                else:
                    continue
                latencies.append((time.monotonic() - started) * 1000)
                if status != 201:
                    errors.append(f"signal {i}: HTTP {status} {data[:200]!r}")
                    continue
                answer = json.loads(data)
                answered[i] = answer["emergency"]
                if rng.random() < replay_rate:
                    status, data = await conn.request("POST", PATH, headers, body)
                    again = json.loads(data) if status == 200 else {}
                    if not again.get("replayed") or again.get("emergency") != answer["emergency"]:
                        errors.append(f"signal {i}: replay answered {status} {data[:200]!r}")
                    statuses["replay " + str(status)] = statuses.get("replay " + str(status), 0) + 1
        finally:
            await conn.close()

    await asyncio.gather(feeder(), *(worker() for _ in range(concurrency)))
    seconds = time.monotonic() - t0
    return {
        "run_id": run_id,
        "signals": total,
        "answered": len(answered),
        "distinct_emergencies": len(set(answered.values())),
        "seconds": round(seconds, 1),
        "per_second": round(len(answered) / seconds, 1) if seconds else 0.0,
        "p50_ms": _pct(latencies, 0.50),
        "p95_ms": _pct(latencies, 0.95),
        "p99_ms": _pct(latencies, 0.99),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
        "request_p50_ms": _pct(requests, 0.50),
        "request_p95_ms": _pct(requests, 0.95),
        "retries": retries,
        "statuses": dict(sorted(statuses.items())),
        "errors": len(errors),
        "first_errors": errors[:10],
    }
