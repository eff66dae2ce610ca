"""A simulated hospital cashier's system calling the one-stop settlement API (docs/medical.md).

Plan (JSON): {"hospitals": [{"code", "key"}], "patients": [id numbers], "year": 2019}.
`concurrency` cashiers (asyncio tasks, one kept-alive HTTP/1.1 connection each) loop for
`duration` seconds: settle a discharge (a new settlement number, a random bill), now and then
reverse one of their earlier settlements (refund) or replay one (the same body again: must be
200 `replayed`), and at `bad_rate` send a malformed bill (must be 400). Every answer is checked
against what the contract says; anything else is an error. Latencies are per request.

Pure asyncio and the standard library: the client must cost the server's machine little.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SETTLE = "/api/medical/settlements/"


@dataclass
class Stats:
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ms: float, status: int) -> None:
        self.latencies_ms.setdefault(kind, []).append(ms)
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def summary(self, seconds: float) -> dict:
        def pct(values: list[float], p: float) -> float:
            if not values:
                return 0.0
            ordered = sorted(values)
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

        every = [v for values in self.latencies_ms.values() for v in values]
        out = {
            "seconds": round(seconds, 1),
            "requests": len(every),
            "per_second": round(len(every) / seconds, 1) if seconds else 0,
            "errors": len(self.errors),
            "p50_ms": pct(every, 0.50),
            "p95_ms": pct(every, 0.95),
            "p99_ms": pct(every, 0.99),
            "max_ms": round(max(every), 1) if every else 0,
            "by_kind": {
                k: {"requests": len(v), "p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95)}
                for k, v in sorted(self.latencies_ms.items())
            },
            "statuses": dict(sorted(self.statuses.items())),
            "first_errors": self.errors[:10],
        }
        return out


class Connection:
    """One kept-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b""):
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, path, headers, body):
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head += [f"Content-Length: {len(body)}", "", ""]
        self.writer.write("\r\n".join(head).encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def random_bill(rng: random.Random) -> dict:
    total = rng.randrange(50_000, 3_000_000)  # 500 to 30,000 yuan
    scope = total * rng.randrange(60, 96) // 100
    insurance = scope * rng.randrange(50, 86) // 100
    return {"total_fen": total, "policy_scope_fen": scope, "insurance_paid_fen": insurance}


async def cashier(
    n: int,
    url: str,
    plan: dict,
    deadline: float,
    stats: Stats,
    rng: random.Random,
    bad_rate: float,
    run_id: str,
    think: float = 0.0,
) -> None:
    parts = urlsplit(url)
    conn = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    hospital = plan["hospitals"][n % len(plan["hospitals"])]
    headers = {
        "Authorization": f"ApiKey {hospital['key']}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        # loopback without the TLS proxy of docs/deploy.md: say what the proxy would
        "X-Forwarded-Proto": "https",
    }
    year = int(plan.get("year", 2019))
    mine: list[tuple[str, bytes]] = []
    seq = 0
    try:
        while time.monotonic() < deadline:
            if think:  # the cashier's time between two patients (uniform around `think`)
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
            roll = rng.random()
            if mine and roll < 0.08:
                kind, (number, _body) = "reverse", mine.pop(rng.randrange(len(mine)))
                path, body = f"{SETTLE}{number}/reverse/", json.dumps({"reason": "refund"})
                body, expected = body.encode(), {200}
            elif mine and roll < 0.12:
                kind, (number, body) = "replay", mine[rng.randrange(len(mine))]
                path, expected = SETTLE, {200}
            else:
                seq += 1
                number = f"{run_id}-{hospital['code']}-{n}-{seq}"
                day = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
                bill = random_bill(rng)
                kind, expected = "settle", {201}
                if rng.random() < bad_rate:
                    bill["insurance_paid_fen"] = bill["policy_scope_fen"] + 1
                    kind, expected = "bad_bill", {400}
                payload = {
                    "settlement_number": number,
                    "id_number": rng.choice(plan["patients"]),
                    "discharged_on": day,
                    "bill": bill,
                }
                body, path = json.dumps(payload).encode(), SETTLE
            t0 = time.perf_counter()
            try:
                status, data = await conn.request("POST", path, headers, body)
            except (OSError, asyncio.IncompleteReadError) as exc:
                stats.errors.append(f"{kind}: {type(exc).__name__} {exc}")
                await asyncio.sleep(0.05)
                continue
            stats.add(kind, (time.perf_counter() - t0) * 1000, status)
            if status not in expected:
                stats.errors.append(f"{kind} {number}: HTTP {status} {data[:200]!r}")
                continue
            if kind == "settle":
                answer = json.loads(data)
                split = answer["insurance_fen"] + answer["assistance_fen"] + answer["patient_fen"]
                if split != answer["total_fen"]:
                    stats.errors.append(f"{number}: split does not add up")
                mine.append((number, body))
            elif kind == "replay" and not json.loads(data).get("replayed"):
                stats.errors.append(f"{number}: replay not marked replayed")
    finally:
        await conn.close()


async def simulate(
    url: str,
    plan: dict,
    *,
    concurrency: int,
    duration: float,
    seed: int,
    bad_rate: float,
    think: float = 0.0,
) -> dict:
    stats = Stats()
    deadline = time.monotonic() + duration
    run_id = f"SIM{int(time.time())}"
    t0 = time.monotonic()
    await asyncio.gather(
        *(
            cashier(
                i,
                url,
                plan,
                deadline,
                stats,
                random.Random(seed * 1000 + i),
                bad_rate,
                run_id,
                think,
            )
            for i in range(concurrency)
        )
    )
    return stats.summary(time.monotonic() - t0)
