"""The simulated banks over HTTP (and offline): a payment file in, result files out.

    POST /v1/payment-files          body: a payment file (.xlsx or .csv, docs/bank-files.md)
      200 {"reference", "bank_code", "lines", "results": [{"n", "url", "lines"}, ...]}
      400 {"error": {"code": "malformed_file", "message", "problems": [{"row", "field", "code"}]}}
      413 body_too_large
    GET  /v1/results/<reference>/<n>  the n-th result file (same format as the payment file);
                                     n = 2 holds the late answers, when there are any
    GET  /healthz                     {"status": "ok", "files"}

Standard library only (`http.server.ThreadingHTTPServer`); answers are deterministic for a seed
(bank.py). `answer_payment_file` is the offline mode (`safetynet banks answer`).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from safetynet.payments.bank_format import (
    BankFileFormatError,
    read_payment_file,
    read_rows,
    write_result_file,
)

from .bank import SimulatedBank

MAX_BODY_BYTES = 200 * 1024 * 1024
_RESULT_PATH = re.compile(r"^/v1/results/([A-Za-z0-9_.\-]+)/([0-9]+)/?$")


def result_filename(reference: str, n: int, fmt: str) -> str:
    return f"{reference}-result-{n}.{fmt}"


def answer_payment_file(bank: SimulatedBank, content: bytes) -> list[tuple[str, bytes, int]]:
    """[(filename, bytes, lines)] of the result files answering a payment file."""
    fmt, _ = read_rows(content)
    payment = read_payment_file(content)
    return [
        (result_filename(payment.reference, n, fmt), write_result_file(f, fmt), len(f.rows))
        for n, f in enumerate(bank.answer(payment), start=1)
    ]


class BankServer:
    def __init__(self, bank: SimulatedBank, *, host: str = "127.0.0.1", port: int = 8702):
        self.bank = bank
        self.results: dict[tuple[str, int], tuple[str, bytes]] = {}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def start(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: str, message: str, **extra) -> None:
                self._json(status, {"error": {"code": code, "message": message, **extra}})

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/healthz":
                    self._json(200, {"status": "ok", "files": len(server.results)})
                    return
                m = _RESULT_PATH.match(self.path)
                with server.lock:
                    found = server.results.get((m.group(1), int(m.group(2)))) if m else None
                if not found:
                    self._error(404, "not_found", "no such result file")
                    return
                name, data = found
                self.send_response(200)
                kind = (
                    "text/csv; charset=utf-8"
                    if name.endswith(".csv")
                    else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                )
                self.send_header("Content-Type", kind)
                self.send_header("Content-Disposition", f'attachment; filename="{name}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/payment-files":
                    self._error(404, "not_found", "unknown path")
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length <= 0:
                    self._error(400, "malformed_file", "a payment file is required")
                    return
                if length > MAX_BODY_BYTES:
                    self._error(413, "body_too_large", "the file is too large")
                    return
                content = self.rfile.read(length)
                try:
                    files = answer_payment_file(server.bank, content)
                except BankFileFormatError as exc:
                    problems = [
                        {"row": p.row, "field": p.field, "code": p.code, "detail": p.detail}
                        for p in exc.problems
                    ]
                    self._error(400, "malformed_file", str(exc), problems=problems)
                    return
                reference = read_payment_file(content).reference
                results = []
                with server.lock:
                    for n, (name, data, lines) in enumerate(files, start=1):
                        server.results[(reference, n)] = (name, data)
                        results.append(
                            {"n": n, "url": f"/v1/results/{reference}/{n}", "lines": lines}
                        )
                self._json(
                    200,
                    {
                        "reference": reference,
                        "lines": sum(r["lines"] for r in results),
                        "results": results,
                    },
                )

        return Handler
