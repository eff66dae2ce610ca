"""Test helpers: a small generated city and a simulator on an ephemeral loopback port.

    from safetynet.simulated.agencies.testing import small_city, running_simulator

    city = small_city(tmp_path_factory.getbasetemp() / "agency-city")   # generated once per session
    with running_simulator(city, latency_ms=0) as sim:
        ... sim.url ...

Other apps' tests (the verification workflow, the browser test) can use these too.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from .data import CityIndex
from .server import AgencySimulator, Behaviour, SimulatorConfig

TEST_PERSONS = 3000
TEST_SEED = 7


def small_city(directory: Path, *, persons: int = TEST_PERSONS, seed: int = TEST_SEED) -> Path:
    """Generate the city into `directory` unless it is already there (safe across processes)."""
    from safetynet.simulated.generator import generate

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    lock = directory.parent / f".{directory.name}.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        if not (directory / "manifest.json").exists():
            generate(out=directory, persons=persons, seed=seed)
    return directory


_INDEXES: dict[Path, CityIndex] = {}


def city_index(city: Path) -> CityIndex:
    """Every source of the city, loaded once per process."""
    city = Path(city).resolve()
    if city not in _INDEXES:
        from safetynet.verification.sources.catalog import SOURCES

        _INDEXES[city] = CityIndex.load(city, SOURCES)
    return _INDEXES[city]


@contextlib.contextmanager
def running_simulator(
    city: Path | CityIndex,
    *,
    latency_ms: float = 0.0,
    jitter_ms: float | None = 0.0,
    error_rate: float = 0.0,
    timeout_rate: float = 0.0,
    seed: int = 0,
    hang_s: float = 10.0,
    per_source: dict[str, dict] | None = None,
) -> Iterator[AgencySimulator]:
    """A simulator serving in a background thread on 127.0.0.1:<free port>, stopped on exit."""
    index = city if isinstance(city, CityIndex) else city_index(city)
    config = SimulatorConfig(
        default=Behaviour(
            latency_ms=latency_ms,
            jitter_ms=jitter_ms,
            error_rate=error_rate,
            timeout_rate=timeout_rate,
        ),
        seed=seed,
        hang_s=hang_s,
    )
    for code, changes in (per_source or {}).items():
        config.set(code, **changes)
    sim = AgencySimulator(index, config, port=0).start()
    try:
        yield sim
    finally:
        sim.stop()


__all__ = ["TEST_PERSONS", "TEST_SEED", "city_index", "running_simulator", "small_city"]
