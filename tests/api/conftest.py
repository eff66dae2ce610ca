from tests.web.data import registry  # noqa: F401  (fixture)
