"""Locust users for `make bench-load` (benchmarks/bench_load.py): street caseworkers.

Each simulated user is one load user from $BENCH_LOAD_PLAN (made by bench_load.py): it logs in
once (login throttling counts per username, so no user trips it), then mixes what a caseworker does
all day, within their street: search (surname prefix, whole name, whole ID number, household
number; the UI and the API), household and person pages, the household list, Excel exports, and
verification requests (open with a signed authorization, follow the sources' live status, issue
the report). Every answer must be the expected one; anything else counts as an error.

The server runs behind no TLS proxy on the loopback, so each request carries the
X-Forwarded-Proto and Referer headers the proxy and a browser would (the CSRF check needs them).
"""

import itertools
import json
import os
import random
import re
import threading
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text("utf-8"))
_next_user = itertools.count()
_lock = threading.Lock()
# A minimal valid PDF: the signed authorization "scan" (uploads are checked by content).
AUTHORIZATION_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
REQUEST_URL = re.compile(r"/verification/requests/(\d+)/$")
REPORT_URL = re.compile(r"/verification/reports/(\d+)/$")


class Caseworker(HttpUser):
    # A caseworker reads what they opened before the next click.
    wait_time = between(1.0, 5.0)

    def on_start(self):
        with _lock:
            me = PLAN[next(_next_user) % len(PLAN)]
        self.households = me["households"]
        self.client.headers.update({"X-Forwarded-Proto": "https"})
        self.get("/login/", name="login page")
        response = self.post(
            "/login/",
            {"username": me["username"], "password": me["password"]},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"{me['username']} could not log in: {response.status_code}")

    # ------------------------------------------------------------------ helpers
    def referer(self, path: str) -> dict:
        return {"Referer": f"https://{self.host.split('://', 1)[1]}{path}"}

    def get(self, path: str, *, name: str, htmx: bool = False, **kw):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, name=name, headers=headers, **kw)

    def post(self, path: str, data: dict, *, name: str, files=None, allow_redirects=True):
        token = self.client.cookies.get("csrftoken", "")
        headers = {"X-CSRFToken": token, **self.referer(path)}
        return self.client.post(
            path,
            data=data,
            files=files,
            headers=headers,
            name=name,
            allow_redirects=allow_redirects,
        )

    def household(self) -> dict:
        return random.choice(self.households)

    # ------------------------------------------------------------------ search
    @task(3)
    def search_surname_prefix(self):
        self.get(f"/search/?q={self.household()['surname']}", name="search: surname", htmx=True)

    @task(3)
    def search_name(self):
        self.get(f"/search/?q={self.household()['name']}", name="search: name", htmx=True)

    @task(3)
    def search_id_number(self):
        h = self.household()
        with self.client.get(
            f"/search/?q={h['id_number']}",
            name="search: ID number",
            headers={"HX-Request": "true"},
            catch_response=True,
        ) as response:
            if response.status_code == 200 and h["number"] not in response.text:
                response.failure("the household of the ID number is not in the results")

    @task(1)
    def search_household_number(self):
        self.get(f"/search/?q={self.household()['number']}", name="search: household number")

    @task(2)
    def api_search(self):
        self.get(f"/api/households/?q={self.household()['surname']}", name="api: households ?q=")

    # ------------------------------------------------------------------ pages
    @task(6)
    def household_page(self):
        self.get(f"/households/{self.household()['id']}/", name="household page")

    @task(3)
    def person_page(self):
        self.get(f"/persons/{self.household()['person_id']}/", name="person page")

    @task(2)
    def household_list(self):
        self.get(f"/households/?page={random.randint(1, 3)}", name="household list")

    @task(2)
    def api_household(self):
        self.get(f"/api/households/{self.household()['id']}/", name="api: household")

    @task(1)
    def home(self):
        self.get("/", name="home")

    # ------------------------------------------------------------------ exports
    @task(1)
    def export_households(self):
        self.get("/households/export.xlsx", name="export: households.xlsx")

    @task(1)
    def export_persons(self):
        self.get("/persons/export.xlsx", name="export: persons.xlsx")

    # ------------------------------------------------------------------ verification
    @task(1)
    def verification(self):
        h = self.household()
        form_path = f"/verification/households/{h['id']}/open/"
        self.get(form_path, name="verification: open form")
        data = {
            "purpose": "periodic_review",
            "program": "dibao",
            "month": "2020-06",
            "signed_by": str(h["signer"]),
            "signed_on": "2020-06-15",
            "financial_assets": "0",
            "vehicles": "0",
            "homes": "0",
            "businesses": "0",
            "medical_oop": "0",
        }
        files = {"authorization_scan": ("authorization.pdf", AUTHORIZATION_PDF, "application/pdf")}
        with self.client.post(
            form_path,
            data=data,
            files=files,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                     **self.referer(form_path)},
            name="verification: open",
            allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            match = REQUEST_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not match:
                response.failure(f"not opened: {response.status_code}")
                return
        request_path = match.group(0)
        self.get(request_path, name="verification: request page")
        # Follow the live status as the page's htmx poll does (every second), bounded.
        for _ in range(15):
            body = self.get(
                f"{request_path}sources/", name="verification: sources poll", htmx=True
            ).text
            if 'hx-trigger="every' not in body:
                break
            self._sleep(1.0)
        with self.client.post(
            f"{request_path}report/",
            data={"allow_missing": "on"},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                     **self.referer(request_path)},
            name="verification: issue report",
            allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            match = REPORT_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not match:
                response.failure(f"no report: {response.status_code}")
                return
        self.get(match.group(0), name="verification: report page")

    def _sleep(self, seconds: float) -> None:
        import gevent

        gevent.sleep(seconds)
