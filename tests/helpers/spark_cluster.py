"""A Spark standalone cluster on loopback: a master and worker processes started from the pyspark
package's own jars (`spark-class org.apache.spark.deploy.master.Master` / `...worker.Worker`).

Used by the test suite (one cluster per session, tests marked `spark`) and by
`make bench-spark`. Every process is started in its own session (process group) and stopped by
that group's id; the work and temporary directories live under one directory that `stop`
removes, so nothing is left behind, even when a test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_SECONDS = 120
REPO = Path(__file__).resolve().parents[2]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class StandaloneCluster:
    """`workers` workers of `cores` cores and `memory` each, executors of `executor_memory`."""

    workers: int = 1
    cores: int = 1
    memory: str = "1g"
    executor_memory: str = "1g"
    daemon_memory: str = "256m"
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="spark-cluster-")))
    processes: list[subprocess.Popen] = field(default_factory=list)
    master_url: str = ""
    master_ui: str = ""
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    def _env(self, name: str) -> dict[str, str]:
        tmp = self.root / "tmp" / name
        tmp.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(spark_home()),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY=self.daemon_memory,
            SPARK_LOG_DIR=str(self.root / "logs"),
            SPARK_LOCAL_DIRS=str(tmp),
            SPARK_WORKER_DIR=str(self.root / "work" / name),
            # every JVM's temporary files (the executors inherit the worker's environment)
            JAVA_TOOL_OPTIONS=f"-Djava.io.tmpdir={tmp} -XX:-UsePerfData",
            PYSPARK_PYTHON=sys.executable,
            # executors import the jobs' kernels by module: the repository's (tests included)
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        return env

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        cmd = [str(spark_home() / "bin" / "spark-class"), *args]
        proc = subprocess.Popen(
            cmd,
            env=self._env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a group, by its id
            preexec_fn=_die_with_parent,
        )
        log.close()
        self.processes.append(proc)

    def start(self) -> StandaloneCluster:
        port, ui = free_port(), free_port()
        self.master_url = f"spark://127.0.0.1:{port}"
        self.master_ui = f"http://127.0.0.1:{ui}"
        try:
            self._spawn(
                "master",
                "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui),
            )  # fmt: skip
            for i in range(self.workers):
                self._spawn(
                    f"worker{i}",
                    "org.apache.spark.deploy.worker.Worker",
                    "--host", "127.0.0.1", "--port", str(free_port()),
                    "--webui-port", str(free_port()), "--cores", str(self.cores),
                    "--memory", self.memory, "--work-dir", str(self.root / "work" / f"w{i}"),
                    self.master_url,
                )  # fmt: skip
            self._wait_for_workers()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            for proc in self.processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"a Spark daemon exited: see {self.root}/*.log")
            try:
                with urllib.request.urlopen(f"{self.master_ui}/json/", timeout=2) as r:
                    state = json.load(r)
                alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
                if len(alive) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the Spark cluster did not start in {STARTUP_SECONDS} s: {self.root}")

    def use(self) -> None:
        """Point this process's Spark sessions at the cluster (stopping any other session)."""
        settings = {
            "SPARK_MASTER": self.master_url,
            "SPARK_EXECUTOR_MEMORY": self.executor_memory,
            "SPARK_EXECUTOR_CORES": str(self.cores),
            "SPARK_DRIVER_HOST": "127.0.0.1",
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_DRIVER_MEMORY": os.environ.get("SPARK_DRIVER_MEMORY", "1g"),
            "PYSPARK_PYTHON": sys.executable,
        }
        for k, v in settings.items():
            self._saved_env.setdefault(k, os.environ.get(k))
            os.environ[k] = v
        stop_spark_session()

    def stop(self) -> None:
        """Stop the driver's session, then every daemon (and the executors they started), and
        remove the work and temporary directories."""
        stop_spark_session()
        for proc in reversed(self.processes):
            _stop_group(proc)
        self.processes.clear()
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def executors(self) -> list[dict]:
        """The master's view of the applications (for the benchmark's report)."""
        with urllib.request.urlopen(f"{self.master_ui}/json/", timeout=5) as r:
            return json.load(r).get("activeapps", [])


def stop_spark_session() -> None:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
    # a session created in another thread is not "active" here but still the default one
    default = SparkSession._instantiatedSession
    if default is not None:
        default.stop()


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (even killed),
    so a daemon never outlives a test session or a benchmark (Linux; kept across exec)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _stop_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    pgid = proc.pid  # start_new_session: the group's id is the process's own id
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            # the executors a worker started may outlive it for a moment: the group goes too
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        return
