"""Benchmark: one household's verification request against every automatic source (issue 4).

    python -m benchmarks.bench_verify_request                      # 20k city, 50 requests, 40 ms
    python -m benchmarks.bench_verify_request --persons 1000000 --requests 50 --latency-ms 40
    python -m benchmarks.bench_verify_request --city DIR           # an existing generated city

Starts the simulated agencies in this process (a background thread on a loopback port), then
queries all 32 automatic sources for the members of `--requests` random households, one request
at a time, with `query_automatic_sources` (one thread per source by default; `--max-workers 8`
to compare). Reports p50/p95/max seconds per request and the simulator's start-up (index) time.
A request's floor is the slowest source's latency (latency + jitter), not the sum.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--city", type=Path, help="an existing generated city (default: generate one)")
    ap.add_argument("--persons", type=int, default=20_000, help="persons of the generated city")
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--latency-ms", type=float, default=40.0)
    ap.add_argument(
        "--max-workers",
        type=int,
        default=None,
        help="threads per request (default: one per source)",
    )
    args = ap.parse_args(argv)

    from safetynet.simulated.agencies.data import CityIndex
    from safetynet.simulated.agencies.server import AgencySimulator, Behaviour, SimulatorConfig
    from safetynet.verification.sources.catalog import automatic_sources
    from safetynet.verification.sources.connectors import query_automatic_sources

    tmp = None
    city = args.city
    if city is None:
        from safetynet.simulated.generator import generate

        tmp = tempfile.TemporaryDirectory(prefix="bench-verify-")
        city = Path(tmp.name) / "city"
        t = time.perf_counter()
        generate(out=city, persons=args.persons, seed=args.seed)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t:.1f} s")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = CityIndex.load(city)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    persons = pq.read_table(city / "persons.parquet", columns=["id_number", "household_id"])
    members: dict[int, list[str]] = {}
    for pid, hid in zip(
        persons["id_number"].to_pylist(), persons["household_id"].to_pylist(), strict=True
    ):
        members.setdefault(hid, []).append(pid)
    rng = random.Random(args.seed)
    households = rng.sample(sorted(members), min(args.requests, len(members)))

    config = SimulatorConfig(default=Behaviour(latency_ms=args.latency_ms), seed=args.seed)
    sources = automatic_sources()
    seconds: list[float] = []
    answered = failed = 0
    with AgencySimulator(index, config) as sim:
        # warm-up: the first urllib call pays one-off imports
        query_automatic_sources(
            base_url=sim.url,
            request_id="warm",
            purpose="bench",
            authorization_ref="B",
            id_numbers=members[households[0]],
        )
        sim.reset_stats()
        for n, hid in enumerate(households):
            t = time.perf_counter()
            answers = query_automatic_sources(
                base_url=sim.url,
                request_id=f"BENCH-{n}",
                purpose="bench",
                authorization_ref="BENCH-AUTH",
                id_numbers=members[hid],
                max_workers=args.max_workers,
            )
            seconds.append(time.perf_counter() - t)
            answered += sum(a.ok for a in answers.values())
            failed += sum(not a.ok for a in answers.values())
        in_flight = sim.max_in_flight

    result = {
        "persons": index.persons,
        "sources": len(sources),
        "requests": len(seconds),
        "latency_ms": args.latency_ms,
        "max_workers": args.max_workers or len(sources),
        "p50_s": statistics.median(seconds),
        "p95_s": _pct(seconds, 95),
        "max_s": max(seconds),
        "index_s": index.load_seconds,
        "index_mib": index.nbytes() / 2**20,
        "rss_growth_mib": (rss1 - rss0) / 1024,
        "answers_ok": answered,
        "answers_failed": failed,
        "max_in_flight": in_flight,
    }
    rows = [
        ("city persons", f"{result['persons']:,}"),
        ("automatic sources per request", str(result["sources"])),
        ("requests", str(result["requests"])),
        ("simulated latency (ms, ±25% jitter)", f"{args.latency_ms:g}"),
        ("threads per request", str(result["max_workers"])),
        ("request p50 (s)", f"{result['p50_s']:.3f}"),
        ("request p95 (s)", f"{result['p95_s']:.3f}"),
        ("request max (s)", f"{result['max_s']:.3f}"),
        ("source answers ok / failed", f"{answered} / {failed}"),
        ("max queries in flight", str(in_flight)),
        ("simulator index time (s)", f"{result['index_s']:.2f}"),
        ("simulator index size (MiB, Arrow)", f"{result['index_mib']:.0f}"),
        ("process RSS growth while indexing (MiB)", f"{result['rss_growth_mib']:.0f}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 12}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if tmp is not None:
        tmp.cleanup()
    return result


if __name__ == "__main__":
    main()
