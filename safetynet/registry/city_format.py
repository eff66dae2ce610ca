"""The contract of a city as Parquet files (docs/data-schemas.md): what the bulk loader reads and
the simulated generator (safetynet.simulated.generator) writes. Pure Python, no Django."""

import json
from pathlib import Path

FORMAT = "safetynet-city/1"


def read_manifest(directory: Path) -> dict:
    """The city's manifest.json: format, counts, reference date and files."""
    return json.loads((Path(directory) / "manifest.json").read_text(encoding="utf-8"))
