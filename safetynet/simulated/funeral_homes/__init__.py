"""A simulated funeral home's system (docs/funerals.md "Funeral homes' API"): it records
cremations and sea burials on the platform over HTTP with its API key, exactly as the contract
says, and behaves like a real counter system — it retries a lost answer with the same record
number (idempotent), waits when rate-limited, and, at configurable rates, replays a record or
sends a bad one (a malformed ID number, a record number reused with other content), whose
stable error codes it counts."""

from .client import FuneralHomeBehaviour, FuneralHomeClient, simulate

__all__ = ["FuneralHomeBehaviour", "FuneralHomeClient", "simulate"]
