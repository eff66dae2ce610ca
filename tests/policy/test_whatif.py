"""The what-if on the whole city through the service, the screens and the CLI (ADR 1410).

The caseload (tests/helpers/payments.py), benefit month 2020-07, standard 800 → 850 yuan:
- PAY-1 (思明), dibao, two members, head wage 300 yuan: 800 × 2 − 300 = 1,300 →
  850 × 2 − 300 = 1,400 yuan: +100 (half city, half district);
- PAY-2 (思明), tekun, 71, alone, capable: 1.5 × 800 + 5 % × 1,800 = 1,290 →
  1.5 × 850 + 90 = 1,365 yuan: +75 (half city, half district);
- PAY-3 and PAY-5: age allowance only, no amount basis (incomes unknown): left out and counted.
"""

import json
from unittest import mock

import pytest

from safetynet.accounts.models import Role
from safetynet.cli import main
from safetynet.core.errors import ServiceError
from safetynet.policy.models import WhatIfRun
from safetynet.policy.services import approve_change, propose_change
from safetynet.policy.whatif import whatif_start
from tests.helpers.city import make_user
from tests.helpers.payments import build_pay_city

pytestmark = pytest.mark.django_db
RAISE = {
    "name": "dibao.standard",
    "kind": "new_value",
    "effective": "2020-07-01",
    "value": "850",
    "reference_number": "厦民〔2020〕12号",
    "reference_date": "2020-05-20",
}


@pytest.fixture
def city(divisions):
    return build_pay_city()


@pytest.fixture
def change(city, users):
    return propose_change(users["city_admin"], **RAISE)


def _start(django_capture_on_commit_callbacks, actor, **kwargs) -> WhatIfRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = whatif_start(actor, **kwargs)
    run.refresh_from_db()
    return run


def test_a_pending_change_tried_on_the_caseload(change, users, django_capture_on_commit_callbacks):
    run = _start(django_capture_on_commit_callbacks, users["city_admin"], change_id=change.pk)
    assert run.status == "done", run.error
    r = run.result
    assert (r["month"], r["persons"], r["households"], r["without_basis"]) == ("2020-07", 3, 2, 2)
    dibao, tekun = r["programs"]["dibao"], r["programs"]["tekun"]
    assert (dibao["base_fen"], dibao["new_fen"], dibao["up_households"]) == (130_000, 140_000, 1)
    assert (tekun["base_fen"], tekun["new_fen"], tekun["up_persons"]) == (129_000, 136_500, 1)
    t = r["totals"]
    assert (t["change_fen"], t["change_city_fen"], t["change_district_fen"]) == (
        17_500,
        8_750,
        8_750,
    )
    assert t["change_yearly_fen"] == 17_500 * 12
    assert r["districts"]["dibao"]["350203"]["change_fen"] == 10_000
    fc = r["floor_check"]
    assert (fc["floor_fen"], fc["below_floor"]) == (87_360, True)
    # nothing changed in force: the change is still a proposal
    change.refresh_from_db()
    assert change.status == "proposed"


def test_adhoc_values_and_refusals(city, users, django_capture_on_commit_callbacks):
    ok = _start(
        django_capture_on_commit_callbacks,
        users["city_admin"],
        settings=[{"name": "dibao.standard", "value": "900", "effective": "2020-07-01"}],
    )
    assert ok.status == "done" and ok.result["programs"]["dibao"]["new_fen"] == 150_000
    assert ok.result["floor_check"]["below_floor"] is False
    bad = [
        ({"name": "dibao.nope", "value": "900", "effective": "2020-07-01"}, "name"),
        ({"name": "dibao.standard", "value": "900.001", "effective": "2020-07-01"}, "value"),
        ({"name": "dibao.standard", "value": "900", "effective": "2020-13-01"}, "from"),
    ]
    for item, field in bad:
        with pytest.raises(ServiceError) as e:
            whatif_start(users["city_admin"], settings=[item])
        assert e.value.problems[0].field == field
    with pytest.raises(ServiceError) as e:
        whatif_start(users["street_officer"], settings=[bad[0][0]])
    assert e.value.code == "not_permitted"
    assert WhatIfRun.objects.count() == 1


def test_an_approved_change_is_not_tried_again(change, users):
    approve_change(make_user("ca2", Role.CITY_ADMIN, "350200"), change.pk)
    with pytest.raises(ServiceError) as e:
        whatif_start(users["city_admin"], change_id=change.pk)
    assert e.value.code == "not_proposed"


def test_pages_progress_and_briefing(change, users, client, django_capture_on_commit_callbacks):
    client.force_login(users["city_admin"])
    page = client.get("/rules/parameters/changes/").content.decode()
    assert f'data-testid="whatif-{change.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/rules/parameters/whatif/from-change/{change.pk}/")
    assert r.status_code == 302
    run = WhatIfRun.objects.get()
    assert r["Location"] == f"/rules/parameters/whatif/{run.pk}/"
    page = client.get(r["Location"]).content.decode()
    for testid in ("whatif-summary", "whatif-cost-chart", "whatif-district-chart", "whatif-floor"):
        assert f'data-testid="{testid}"' in page
    assert 'data-testid="whatif-program-dibao"' in page and "1,300.00" in page
    changes = client.get("/rules/parameters/changes/").content.decode()
    assert f'data-testid="whatif-result-{change.pk}"' in changes  # the results beside the change
    progress = client.get(f"/rules/parameters/whatif/{run.pk}/progress.json").json()
    assert progress["status"] == "done" and progress["polling"] is False
    xlsx = client.get(f"/rules/parameters/whatif/{run.pk}/briefing.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(f"/rules/parameters/whatif/{run.pk}/briefing.pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    # the auditor reads the results; a street officer may neither read nor start one
    client.force_login(users["auditor"])
    assert client.get(f"/rules/parameters/whatif/{run.pk}/").status_code == 200
    client.force_login(users["street_officer"])
    assert client.get(f"/rules/parameters/whatif/{run.pk}/").status_code == 403
    assert client.post(f"/rules/parameters/whatif/from-change/{change.pk}/").status_code == 403
    assert WhatIfRun.objects.count() == 1


def test_adhoc_form_shows_the_field_error(city, users, client):
    client.force_login(users["city_admin"])
    form = {
        "name": "dibao.standard",
        "value": "850.5.5",
        "effective": "2020-07-01",
        "engine": "duckdb",
    }
    r = client.post("/rules/parameters/whatif/", form)
    assert r.status_code == 422 and 'data-testid="whatif-error"' in r.content.decode()
    assert not WhatIfRun.objects.exists()


def run_cli(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e, mock.patch("django.setup"):
        main(list(args))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_cli_change_and_set(change, capsys, tmp_path):
    code, out, err = run_cli(
        capsys, "rules", "whatif", "--change", str(change.pk), "--out", str(tmp_path / "a")
    )
    assert code == 0, err
    assert "floor check" in out and "BELOW THE FLOOR" in out
    data = json.loads((tmp_path / "a" / "whatif.json").read_text())
    assert data["totals"]["change_fen"] == 17_500
    code, out, err = run_cli(
        capsys, "rules", "whatif", "--set", "dibao.standard=900", "--from", "2020-07-01",
        "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "b" / "whatif.json").read_text())["totals"]["change_fen"] > 0


@pytest.mark.parametrize(
    "args",
    [
        ["--set", "dibao.standard=850.5.5", "--from", "2020-07-01"],
        ["--set", "dibao.nope=850", "--from", "2020-07-01"],
        ["--set", "dibao.standard", "--from", "2020-07-01"],
        ["--set", "dibao.standard=850"],
        ["--change", "99999"],
        ["--set", "dibao.standard=850", "--from", "2020-07-01", "--engine", "oracle"],
        [],
    ],
)
def test_cli_bad_input_exits_2(city, capsys, tmp_path, args):
    code, out, err = run_cli(capsys, "rules", "whatif", *args, "--out", str(tmp_path))
    assert code == 2 and err.startswith("error:"), (out, err)
    assert not (tmp_path / "whatif.json").exists()


def test_a_failed_run_says_why_and_keeps_no_result(change, users, tmp_path):
    from safetynet.policy.whatif import whatif_execute, whatif_progress

    run = WhatIfRun.objects.create(
        change=change,
        proposal=[{"name": "dibao.standard", "effective": "2020-07-01", "value": "850.00",
                   "kind": "new_value"}],
        month="2020-07",
        requested_by=users["city_admin"],
    )  # fmt: skip
    run = whatif_execute(run.pk, input_dir=tmp_path / "missing")
    assert run.status == "failed" and "persons.parquet" in run.error and run.result is None
    assert whatif_progress(run)["polling"] is False
