"""The request page's progress: a JSON poll of the status and the sources answered, a progress
bar, and the 20 banks grouped in one row (issue 10)."""

import pytest
from django.urls import reverse

from safetynet.verification.models import QueryStatus, VerificationRequest
from tests.verification.test_views import _open

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_progress_json_and_grouped_banks(
    client, django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    client.force_login(caseworker)
    response = _open(client, django_capture_on_commit_callbacks, city_facts.honest)
    assert response.status_code == 302
    req = VerificationRequest.objects.get()
    queries = list(req.queries.filter(superseded=False))
    pending = sum(1 for q in queries if q.status == QueryStatus.PENDING)
    progress = client.get(reverse("verification:request-progress", args=[req.pk])).json()
    assert (progress["total"], progress["done"]) == (len(queries), len(queries) - pending)
    assert progress["status"] == req.status and progress["status_label"] == req.get_status_display()
    assert progress["percent"] == round(100 * progress["done"] / progress["total"])
    html = client.get(response.url).content.decode()
    assert f'<progress max="{len(queries)}" value="{progress["done"]}"' in html
    group = html.split('data-testid="bank-group"', 1)[1].split("</details>", 1)[0]
    banks = [q for q in queries if q.source.startswith("bank_")]
    assert len(banks) == 20 and group.count('data-testid="source-bank_') == 20
    assert "银行（20家）" in group
    # Outside the jurisdiction (or unknown): 404, like the page.
    other = client.get(reverse("verification:request-progress", args=[req.pk + 999]))
    assert other.status_code == 404
