"""Benchmark of the batch jobs on a Spark standalone cluster beside DuckDB (docs/spark.md).

    python -m benchmarks.bench_spark                         # 5M persons (generated if missing)
    python -m benchmarks.bench_spark --sizes 1000000         # a smaller city
    python -m benchmarks.bench_spark --engines spark         # the cluster only
    python -m benchmarks.bench_spark --sizes 1000000 5000000 --budget 1100   # stop after 1100 s

For each city it runs every batch job through the runner (`safetynet.batch.run_job`): the rules
(every program), the re-verification caseload and its findings; first on DuckDB, then on a
standalone cluster started on this machine from the pyspark package (a master and two workers of
one core and 2 GB each, 2 GB executors, a 1 GB driver with Spark's default result limit). Each
job is a fresh process (so a fresh Spark application). Reported per job: wall seconds of
`run_job`, tasks (key ranges), rows written; peak memory: for DuckDB the process's peak RSS;
for Spark the driver (the Python process and its JVM) and each executor (its JVM and its Python
workers), sampled from /proc every 0.2 s. One cluster serves the whole run; engines run in the
order given. With --budget, the job running when it is spent is stopped and it and the rest are
reported as not run. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_verify_batch import ensure_city  # noqa: E402 (after the path insert)

MONTH = "2020-06"
JOBS = ("rules", "verify_caseload", "verify_findings")
EXECUTOR_CLASS = "CoarseGrainedExecutorBackend"

CHILD = r"""
import json, resource, sys, time
from safetynet.batch import run_job
job_name, city, out, engine, month = sys.argv[1:6]
if job_name == "rules":
    from safetynet.rules.job import rules_job
    job = rules_job(city, month)
else:
    from safetynet.verification.batch import BatchParameters, caseload_job, findings_job
    prm = BatchParameters.for_month(month)
    job = caseload_job(prm) if job_name == "verify_caseload" else findings_job(prm)
t = time.perf_counter()
output = run_job(job, city, out, engine=engine)
wall = time.perf_counter() - t
print(json.dumps({"seconds": wall, "tasks": output.tasks, "files": len(output.files),
                  "rows": output.num_rows(),
                  "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# ============================================================================ memory sampling
def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, RSS in kB, command line) of every process readable in /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            rss = 0
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                        break
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        out[int(entry)] = (ppid, rss, cmd)
    return out


def _subtree_kb(procs: dict[int, tuple[int, int, str]], root: int) -> int:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
            todo.extend(children.get(pid, []))
    return total


class Sampler(threading.Thread):
    """Peak RSS of the driver's process tree and of each executor's (JVM + Python workers)."""

    def __init__(self, driver_pid: int, cluster_pids: set[int]):
        super().__init__(daemon=True)
        self.driver_pid, self.cluster_pids = driver_pid, cluster_pids
        self.driver_kb = 0
        self.executors_kb: dict[int, int] = {}
        self.done = threading.Event()

    def _executor_pids(self, procs) -> list[int]:
        def under_cluster(pid: int) -> bool:
            seen = 0
            while pid in procs and seen < 50:
                if pid in self.cluster_pids:
                    return True
                pid, seen = procs[pid][0], seen + 1
            return False

        return [p for p, (_, _, cmd) in procs.items() if EXECUTOR_CLASS in cmd and under_cluster(p)]

    def run(self) -> None:
        while not self.done.is_set():
            procs = _processes()
            self.driver_kb = max(self.driver_kb, _subtree_kb(procs, self.driver_pid))
            for pid in self._executor_pids(procs):
                kb = _subtree_kb(procs, pid)
                self.executors_kb[pid] = max(self.executors_kb.get(pid, 0), kb)
            self.done.wait(0.2)


# ============================================================================ running
def run_job_process(
    job: str, city: Path, engine: str, cluster_pids: set[int], deadline: float
) -> dict:
    if time.monotonic() >= deadline:
        return {"job": job, "engine": engine, "failed": ["not run: --budget spent"]}
    with tempfile.TemporaryDirectory(prefix="spark-bench-", dir=city.parent) as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, job, str(city), f"{out}/{job}", engine, MONTH],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        sampler = Sampler(proc.pid, cluster_pids)
        sampler.start()
        started = time.perf_counter()
        try:
            stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            proc.kill()  # the driver's JVM exits with it
            proc.communicate()
            stdout, stderr = (
                "",
                f"stopped after {time.perf_counter() - started:.0f} s: --budget spent",
            )
        process_seconds = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    if proc.returncode != 0:
        return {"job": job, "engine": engine, "failed": stderr.strip().splitlines()[-5:]}
    # the figures are the child's last JSON line; anything else on stdout may precede it
    lines = [ln[ln.index('{"seconds"') :] for ln in stdout.splitlines() if '{"seconds"' in ln]
    if not lines:  # something else on stdout (a progress bar): report, do not crash
        return {"job": job, "engine": engine, "failed": (stdout + stderr).splitlines()[-5:]}
    result = json.loads(lines[-1])
    result |= {
        "job": job,
        "engine": engine,
        "process_seconds": process_seconds,
        "driver_peak_mb": sampler.driver_kb / 1024,
        "executor_peak_mb": sorted(kb / 1024 for kb in sampler.executors_kb.values()),
    }
    return result


def report(persons: int, rows: list[dict]) -> None:
    print()
    print(f"Batch jobs over {persons:,} persons (month {MONTH}): DuckDB vs Spark standalone")
    print("(2 workers x 1 core x 2 GB; driver 1 GB; peak RSS sampled, MB)")
    header = (
        f"{'job':<16} {'engine':<7} {'seconds':>8} {'process':>8} {'tasks':>6} {'rows':>12} "
        f"{'driver/process':>15}  executors"
    )
    print(header)
    print("-" * (len(header) + 12))
    for r in rows:
        if "failed" in r:
            print(f"{r['job']:<16} {r['engine']:<7} FAILED: {' | '.join(r['failed'])[-300:]}")
            continue
        peak = r["driver_peak_mb"] if r["engine"] == "spark" else r["self_peak_mb"]
        execs = (
            ", ".join(f"{mb:.0f}" for mb in r["executor_peak_mb"])
            if r["engine"] == "spark"
            else "-"
        )
        print(
            f"{r['job']:<16} {r['engine']:<7} {r['seconds']:>8.1f} {r['process_seconds']:>8.1f} "
            f"{r['tasks']:>6} {r['rows']:>12,} {peak:>15.0f}  {execs}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000_000])
    parser.add_argument(
        "--cities", type=Path, default=Path(tempfile.gettempdir()) / "safetynet-bench"
    )
    parser.add_argument(
        "--engines", nargs="+", default=["duckdb", "spark"], choices=["duckdb", "spark"]
    )
    parser.add_argument("--jobs", nargs="+", default=list(JOBS), choices=JOBS)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--budget", type=float, default=None, help="stop (and report) after this many seconds"
    )
    args = parser.parse_args(argv)
    deadline = time.monotonic() + (args.budget or 7 * 24 * 3600)  # poll() overflows past ~24 days

    from tests.helpers.spark_cluster import StandaloneCluster

    all_rows: list[dict] = []
    cluster = None
    try:
        if "spark" in args.engines:
            cluster = StandaloneCluster(workers=2, cores=1, memory="2g", executor_memory="2g")
            cluster.start()
            cluster.use()  # the environment the job processes inherit
        for persons in args.sizes:
            city = ensure_city(args.cities, persons)
            rows = []
            for engine in args.engines:  # in the order given
                pids = (
                    {p.pid for p in cluster.processes} if engine == "spark" and cluster else set()
                )
                for job in args.jobs:
                    rows.append(run_job_process(job, city, engine, pids, deadline))
                    got = rows[-1].get("seconds", "FAILED / not run")
                    print(f"  {persons:,} {engine} {job}: {got}", flush=True)
            report(persons, rows)
            all_rows += [r | {"persons": persons} for r in rows]
    finally:
        if cluster is not None:
            cluster.stop()
    if args.json:
        args.json.write_text(json.dumps(all_rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
