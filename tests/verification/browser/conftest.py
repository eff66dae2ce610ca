"""Browser fixtures: the web UI engineer's Chromium and page (tests/web/browser), reused."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from tests.web.browser.conftest import browser, page  # noqa: F401  (fixtures)
