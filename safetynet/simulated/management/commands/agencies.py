"""`safetynet agencies`: the simulated agencies of a generated city.

safetynet agencies serve  --city DIR [--host 127.0.0.1] [--port 8701] [--latency-ms 40] ...
safetynet agencies answer --city DIR --request FILE --out FILE
safetynet agencies list
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.simulated.agencies.data import CityDataError, CityIndex
from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.simulated.agencies.server import AgencySimulator, Behaviour, SimulatorConfig
from safetynet.verification.sources.catalog import SOURCES
from safetynet.verification.sources.manual import ResponseFileError

_BEHAVIOUR_KEYS = {
    "latency_ms": float,
    "jitter_ms": float,
    "error_rate": float,
    "timeout_rate": float,
}


def _parse_override(text: str) -> tuple[str, dict]:
    """`bank_icbc:latency_ms=500,error_rate=0.2` -> ("bank_icbc", {...})."""
    code, _, rest = text.partition(":")
    if code not in SOURCES or not rest:
        raise CommandError(
            f"--source {text!r}: expected CODE:key=value[,key=value], CODE a source code"
        )
    changes: dict = {}
    for part in rest.split(","):
        key, _, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if key == "down":
            changes["down"] = value.strip().lower() in {"1", "true", "yes", "y", ""}
        elif key in _BEHAVIOUR_KEYS:
            try:
                changes[key] = _BEHAVIOUR_KEYS[key](value)
            except ValueError:
                raise CommandError(f"--source {text!r}: {key} must be a number") from None
        else:
            raise CommandError(
                f"--source {text!r}: unknown key {key!r} "
                f"(use {', '.join([*_BEHAVIOUR_KEYS, 'down'])})"
            )
    return code, changes


class Command(BaseCommand):
    help = (
        "Simulated agency services fed from a generated city's extracts: `serve` hosts every "
        "automatic "
        "source over HTTP on loopback; `answer` fills a manual source's request file as the agency "
        "would; `list` prints the source catalogue. Contract: docs/verification-sources.md."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{serve,answer,list}")

        serve = sub.add_parser(
            "serve",
            help="serve every automatic source over HTTP until Ctrl-C",
            description="Serve every automatic source: POST /v1/sources/<code>/query, "
            "GET /v1/sources, "
            "GET /healthz. Behaviour is deterministic for a seed.",
        )
        serve.add_argument("--city", required=True, type=Path, help="the generated city directory")
        serve.add_argument(
            "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: loopback only)"
        )
        serve.add_argument(
            "--port", type=int, default=8701, help="port (default 8701; 0 picks a free one)"
        )
        serve.add_argument(
            "--latency-ms", type=float, default=40.0, help="mean answer latency in ms (default 40)"
        )
        serve.add_argument(
            "--jitter-ms",
            type=float,
            default=None,
            help="± uniform jitter in ms (default latency/4)",
        )
        serve.add_argument(
            "--error-rate", type=float, default=0.0, help="share of queries answered 503 (0..1)"
        )
        serve.add_argument(
            "--timeout-rate",
            type=float,
            default=0.0,
            help="share of queries held beyond the client timeout (0..1)",
        )
        serve.add_argument(
            "--hang-s", type=float, default=30.0, help="how long a timed-out query is held (s)"
        )
        serve.add_argument(
            "--down", default="", help="comma-separated source codes that always answer 503"
        )
        serve.add_argument(
            "--source",
            action="append",
            default=[],
            metavar="CODE:KEY=VALUE[,KEY=VALUE]",
            help="per-source behaviour, repeatable, e.g. bank_icbc:latency_ms=500,error_rate=0.2 "
            "(keys: latency_ms, jitter_ms, error_rate, timeout_rate, down)",
        )
        serve.add_argument(
            "--seed", type=int, default=0, help="seed of the simulated latency/errors (default 0)"
        )
        serve.add_argument("--verbose", action="store_true", help="log every HTTP request")

        answer = sub.add_parser(
            "answer",
            help="fill a manual source's request file as the agency would",
            description="Read a request file exported by SafetyNet for a manual source "
            "(tax, securities) "
            "and write the agency's response file, filled from the city's extract.",
        )
        answer.add_argument("--city", required=True, type=Path, help="the generated city directory")
        answer.add_argument("--request", required=True, type=Path, help="the request .xlsx")
        answer.add_argument(
            "--out", required=True, type=Path, help="where to write the response .xlsx"
        )

        sub.add_parser("list", help="print the source catalogue", description="Print every source.")

    def handle(self, *args, **opts):
        return getattr(self, f"_{opts['action']}")(opts)

    def _list(self, opts) -> None:
        for s in SOURCES.values():
            items = "、".join(i.name_zh for i in s.data_items)
            self.stdout.write(
                f"{s.code:24} {s.mode.value:9} {s.department.name_zh} · {s.name_zh} · {items}"
            )

    def _serve(self, opts) -> None:
        down = [c.strip() for c in opts["down"].split(",") if c.strip()]
        unknown = [c for c in down if c not in SOURCES]
        if unknown:
            raise CommandError(f"--down: unknown source(s) {', '.join(unknown)}")
        try:
            default = Behaviour(
                latency_ms=opts["latency_ms"],
                jitter_ms=opts["jitter_ms"],
                error_rate=opts["error_rate"],
                timeout_rate=opts["timeout_rate"],
            )
            config = SimulatorConfig(default=default, seed=opts["seed"], hang_s=opts["hang_s"])
            for code in down:
                config.set(code, down=True)
            for text in opts["source"]:
                code, changes = _parse_override(text)
                config.set(code, **changes)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        try:
            index = CityIndex.load(opts["city"])
        except CityDataError as exc:
            raise CommandError(str(exc)) from None
        try:
            sim = AgencySimulator(
                index, config, host=opts["host"], port=opts["port"], verbose=opts["verbose"]
            )
        except OSError as exc:
            raise CommandError(f"cannot listen on {opts['host']}:{opts['port']}: {exc}") from None
        self.stderr.write(
            f"{len(index.tables)} sources, {index.persons:,} persons indexed in "
            f"{time.perf_counter() - started:.1f} s ({index.nbytes() / 2**20:.0f} MiB)"
        )
        self.stdout.write(sim.url)
        self.stdout.flush()
        try:
            sim.serve_forever()
        except KeyboardInterrupt:
            self.stderr.write("stopped")

    def _answer(self, opts) -> None:
        try:
            content = opts["request"].read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from None
        try:
            filename, data, count = answer_request_file(city=opts["city"], content=content)
        except (ResponseFileError, CityDataError) as exc:
            raise CommandError(str(exc)) from None
        opts["out"].write_bytes(data)
        self.stdout.write(f"{opts['out']}: {count} record(s) ({filename})")
