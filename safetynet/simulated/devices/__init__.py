"""The simulated one-key alarm devices (一键通呼叫器, docs/eldercare-emergency.md): each signals
the platform over HTTP with its own device key, as the contract says, and sends the same signal
again (same signal ID) until it has an answer — so a lost answer never loses an emergency.
`safetynet devices setup|signal|simulate`."""

from .client import DeviceClient, signal_body

__all__ = ["DeviceClient", "signal_body"]
