"""The simulated outside world, for the demo and the tests: the demo-city generator and the
institutions the bureau talks to (today the agencies' verification services), each speaking its
documented contract (docs/data-schemas.md, docs/verification-sources.md).

Product code never imports this package (tests/test_layout.py); it only talks to these
simulations over their contracts, exactly as it would to the real institutions."""
