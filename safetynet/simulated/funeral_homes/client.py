"""The simulated funeral home's client (see the package docstring). Standard library only:
`urllib.request` with JSON bodies; deterministic draws from (seed, record number)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

FEES = ("body_transport", "pickup", "cremation", "refrigeration", "urn")
PATH = "/api/funeral-homes/services/"


@dataclass(frozen=True)
class FuneralHomeBehaviour:
    seed: int = 0
    replay_rate: float = 0.05  # the same record sent again (a lost answer, a double click)
    malformed_rate: float = 0.02  # an ID number mistyped at the counter
    conflict_rate: float = 0.01  # a record number reused for another record
    sea_burial_rate: float = 0.1  # the ashes scattered at sea after the cremation

    def draw(self, key: str, what: str) -> float:
        h = hashlib.sha256(f"{self.seed}:{what}:{key}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64


class FuneralHomeClient:
    """Speaks the funeral homes' API: POST a record, GET one back."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0, retries: int = 3):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(
                self.base_url + path,
                data=data,
                method=method,
                headers={
                    "Authorization": f"ApiKey {self.api_key}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return resp.status, json.loads(resp.read() or b"{}")
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < self.retries:
                    time.sleep(min(float(exc.headers.get("Retry-After") or 1), 5.0))
                    continue
                if exc.code >= 500 and attempt < self.retries:
                    time.sleep(0.2 * (attempt + 1))
                    continue  # the same record number: the platform never records it twice
                return exc.code, json.loads(exc.read() or b"{}")
            except (urllib.error.URLError, TimeoutError):
                if attempt >= self.retries:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError("unreachable")

    def record(self, body: dict) -> tuple[int, dict]:
        return self._call("POST", PATH, body)

    def get(self, record_number: str) -> tuple[int, dict]:
        return self._call("GET", f"{PATH}{record_number}/")


def record_body(
    record_number: str, id_number: str, death_date: dt.date, *, kind: str = "cremation",
    service_date: dt.date | None = None, fees: Iterable[str] = FEES, died_in_xiamen: bool = True,
    residence_permit_months: int = 0, other_funeral_subsidy: bool = False,
) -> dict:  # fmt: skip
    """One record as the contract defines it."""
    return {
        "record_number": record_number,
        "kind": kind,
        "id_number": id_number,
        "death_date": death_date.isoformat(),
        "service_date": (service_date or death_date + dt.timedelta(days=3)).isoformat(),
        "died_in_xiamen": died_in_xiamen,
        "residence_permit_months": residence_permit_months,
        "other_funeral_subsidy": other_funeral_subsidy,
        "fees": list(fees) if kind == "cremation" else [],
    }


def simulate(
    client: FuneralHomeClient,
    deceased: Iterable[tuple[str, dt.date]],
    behaviour: FuneralHomeBehaviour = FuneralHomeBehaviour(),
    *,
    prefix: str = "BZ",
) -> Counter:
    """Record each (ID number, death date) as a cremation (some also a sea burial), with the
    behaviour's replays and bad requests. Returns the count of each answer: `waived`,
    `not_waived`, `replayed`, and each error code."""
    out: Counter = Counter()
    for i, (id_number, died) in enumerate(deceased, start=1):
        number = f"{prefix}{i:06d}"
        if behaviour.draw(number, "malformed") < behaviour.malformed_rate:
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        body = record_body(number, id_number, died)
        status, answer = client.record(body)
        _count(out, status, answer)
        if status in (200, 201) and behaviour.draw(number, "replay") < behaviour.replay_rate:
            _count(out, *client.record(body))
        if status in (200, 201) and behaviour.draw(number, "conflict") < behaviour.conflict_rate:
            _count(out, *client.record({**body, "fees": ["urn"]}))
        if status in (200, 201) and behaviour.draw(number, "sea") < behaviour.sea_burial_rate:
            sea = record_body(f"{number}S", id_number, died, kind="sea_burial")
            _count(out, *client.record(sea))
    return out


def _count(out: Counter, status: int, answer: dict) -> None:
    if status in (200, 201):
        if answer.get("replayed"):
            out["replayed"] += 1
        out["waived" if answer.get("eligible") else "not_waived"] += 1
    else:
        out[str(answer.get("code") or status)] += 1
