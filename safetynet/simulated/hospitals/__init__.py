"""The simulated hospitals' systems (一站式结算 client): `safetynet hospitals simulate`."""
