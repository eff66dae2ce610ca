"""Connectors to the automatic sources: one HTTP query per source, retried, timed out, not raising.

    answers = query_automatic_sources(
        request_id="HD-2020-000123", purpose="dibao application", authorization_ref="AUTH-77",
        id_numbers=["350203199001011234", ...],
    )
    answers["hrss_employment"].status   # "answered" | "failed" | "unavailable"

Statuses (the `SourceQuery.status` values):
- answered: the source answered; `records` holds its rows (possibly none: nothing found).
- unavailable: the source could not be reached or kept failing (5xx, timeouts, connection
  errors) after `retries` retries with exponential backoff. Worth asking again later.
- failed: the source refused the query (4xx: never retried) or answered outside its contract.
  Asking again unchanged will not help.

A source failure is reported in the answer, never raised, so one agency down does not fail the
household's request. Standard library only (urllib + concurrent.futures).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from .catalog import Source, automatic_sources, get_source, value_fits

DEFAULT_AGENCIES_URL = "http://127.0.0.1:8701"
DEFAULT_TIMEOUT_S = 2.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_S = 0.2


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"


@dataclass
class SourceAnswer:
    source: str
    status: AnswerStatus
    records: list[dict] = field(default_factory=list)
    attempts: int = 0
    error_code: str = ""
    error_message: str = ""
    elapsed_ms: int = 0
    answered_at: str = ""  # the agency's timestamp (ISO 8601), when it answered

    @property
    def ok(self) -> bool:
        return self.status is AnswerStatus.ANSWERED

    def as_dict(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        return d


def agencies_url() -> str:
    """The simulator's (or the real gateway's) base URL: env SAFETYNET_AGENCIES_URL or the default.

    Django code may prefer `settings.SAFETYNET_AGENCIES_URL` and pass it as `base_url`."""
    return os.environ.get("SAFETYNET_AGENCIES_URL") or DEFAULT_AGENCIES_URL


class _Retryable(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class _Final(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _error_body(raw: bytes) -> tuple[str, str]:
    try:
        err = json.loads(raw.decode("utf-8"))["error"]
        return str(err.get("code") or ""), str(err.get("message") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", raw[:200].decode("utf-8", "replace")


class HttpSourceConnector:
    """One automatic source over HTTP: `POST {base_url}/v1/sources/{code}/query`."""

    def __init__(
        self,
        source: Source | str,
        base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        backoff_s: float = DEFAULT_BACKOFF_S,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.source = get_source(source)
        if not self.source.automatic:
            raise ValueError(f"{self.source.code} is a manual source: use sources.manual")
        self.base_url = (base_url or agencies_url()).rstrip("/")
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self._sleep = sleep

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/sources/{self.source.code}/query"

    def query(
        self, *, request_id: str, purpose: str, authorization_ref: str, id_numbers: Sequence[str]
    ) -> SourceAnswer:
        """Ask the source about these persons. Never raises for a source failure."""
        started = time.perf_counter()
        code = self.source.code

        def done(status: AnswerStatus, attempts: int, **kw) -> SourceAnswer:
            elapsed = round((time.perf_counter() - started) * 1000)
            return SourceAnswer(
                source=code, status=status, attempts=attempts, elapsed_ms=elapsed, **kw
            )

        if not (authorization_ref or "").strip():
            # No authorisation, no query (POLICY §2): refused here, the agency is not asked.
            return done(
                AnswerStatus.FAILED,
                0,
                error_code="missing_authorization",
                error_message="no signed authorisation referenced",
            )
        ids = list(id_numbers)
        if not ids:
            return done(AnswerStatus.ANSWERED, 0)
        body = json.dumps(
            {
                "request_id": request_id,
                "purpose": purpose,
                "authorization_ref": authorization_ref,
                "id_numbers": ids,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        last = _Retryable("unavailable", "not attempted")
        for attempt in range(1, self.retries + 2):
            try:
                payload = self._post(body)
                records, answered_at = self._check(payload, request_id=request_id, ids=ids)
                return done(
                    AnswerStatus.ANSWERED, attempt, records=records, answered_at=answered_at
                )
            except _Final as exc:
                return done(
                    AnswerStatus.FAILED, attempt, error_code=exc.code, error_message=exc.message
                )
            except _Retryable as exc:
                last = exc
                if attempt <= self.retries:
                    self._sleep(self.backoff_s * 2 ** (attempt - 1))
        return done(
            AnswerStatus.UNAVAILABLE,
            self.retries + 1,
            error_code=last.code,
            error_message=last.message,
        )

    def _post(self, body: bytes) -> dict:
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            try:
                raw = exc.read()
            except (OSError, http.client.HTTPException):
                raw = b""
            finally:
                exc.close()
            code, message = _error_body(raw)
            code = code or f"http_{exc.code}"
            message = message or f"HTTP {exc.code}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise _Retryable(code, message) from None
            raise _Final(code, message) from None
        except TimeoutError:
            raise _Retryable("timeout", f"no answer within {self.timeout_s:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise _Retryable("timeout", f"no answer within {self.timeout_s:g} s") from None
            raise _Retryable(
                "connection_error", f"cannot reach {self.base_url}: {exc.reason}"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable("connection_error", f"{type(exc).__name__}: {exc}") from None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _Final("bad_response", "the source's answer is not JSON") from None

    def _check(self, payload: dict, *, request_id: str, ids: list[str]) -> tuple[list[dict], str]:
        """The answer's records if it keeps the contract, else _Final("bad_response")."""
        if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
            raise _Final("bad_response", "the answer has no records list")
        if payload.get("source") != self.source.code or payload.get("request_id") != request_id:
            raise _Final("bad_response", "the answer is for another source or request")
        asked = {i.upper() for i in ids}
        fields = self.source.fields
        records = []
        for n, rec in enumerate(payload["records"]):
            if not isinstance(rec, dict) or str(rec.get("id_number", "")).upper() not in asked:
                raise _Final("bad_response", f"record {n} is about a person not asked for")
            for f in fields:
                if f.name not in rec or not value_fits(f, rec[f.name]):
                    raise _Final(
                        "bad_response", f"record {n}: field {f.name} missing or not {f.type.value}"
                    )
            records.append({"id_number": rec["id_number"], **{f.name: rec[f.name] for f in fields}})
        return records, str(payload.get("answered_at") or "")


def query_automatic_sources(
    *,
    request_id: str,
    purpose: str,
    authorization_ref: str,
    id_numbers: Sequence[str],
    base_url: str | None = None,
    sources: Iterable[Source | str] | None = None,
    max_workers: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    on_answer: Callable[[SourceAnswer], None] | None = None,
) -> dict[str, SourceAnswer]:
    """Query every automatic source (or `sources`) concurrently: {code: SourceAnswer}, in catalogue
    order.

    `max_workers` defaults to one thread per source, so the request takes about as long as the
    slowest source. `on_answer` is called in the calling thread as each source settles (to store
    results as they arrive). Never raises for a source failure."""
    chosen = [get_source(s) for s in sources] if sources is not None else automatic_sources()
    if not chosen:
        return {}
    workers = max(1, min(max_workers or len(chosen), len(chosen)))
    connectors = [HttpSourceConnector(s, base_url, timeout_s, retries, backoff_s) for s in chosen]
    answers: dict[str, SourceAnswer] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="source") as pool:
        futures = {
            pool.submit(
                c.query,
                request_id=request_id,
                purpose=purpose,
                authorization_ref=authorization_ref,
                id_numbers=list(id_numbers),
            ): c.source.code
            for c in connectors
        }
        for future in as_completed(futures):
            code = futures[future]
            try:
                answer = future.result()
            except Exception as exc:  # a bug, not a source failure: still never fail the others
                answer = SourceAnswer(
                    code,
                    AnswerStatus.FAILED,
                    error_code="connector_error",
                    error_message=f"{type(exc).__name__}: {exc}",
                )
            answers[code] = answer
            if on_answer is not None:
                on_answer(answer)
    return {s.code: answers[s.code] for s in chosen}


__all__ = [
    "DEFAULT_AGENCIES_URL",
    "AnswerStatus",
    "HttpSourceConnector",
    "SourceAnswer",
    "agencies_url",
    "query_automatic_sources",
]
