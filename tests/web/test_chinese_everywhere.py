"""Every main page, PDF and export of a demo city reads as Chinese (issue 10, ADR 1010).

A small city (the registry's three households, a generated city's recipient households, a
verification request with its report, a review task, a case through its public notice, a payroll
with lines), each of the six roles logged in, every main URL walked: the text a person reads
(HTML text and the attributes they see, PDF text, Excel cells) must carry no code-like token
(snake_case or UPPER_CASE identifiers, True/False/None, a division code where a name belongs) and no
English word outside the short allow-list of tests/helpers/chinese.py.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from safetynet.cases.models import Notice
from safetynet.verification.models import FindingKind, ReviewTask, VerificationRequest
from tests.helpers.cases import Clock, apply, make_family, to_decision
from tests.helpers.chinese import html_text, pdf_text, problems, xlsx_text
from tests.helpers.city import ZHONGHUA_C1, make_user
from tests.helpers.payroll_flow import add_line, make_payroll
from tests.helpers.review_tasks import make_household, make_task
from tests.helpers.verification import full_report

pytestmark = pytest.mark.django_db

ROLES = (
    "community_worker",
    "street_officer",
    "district_approver",
    "city_admin",
    "verification_operator",
    "auditor",
)


@pytest.fixture
def world(
    django_capture_on_commit_callbacks,
    monkeypatch,
    users,
    registry,
    agencies,
    agency_city,
    caseworker,
    city_facts,
):
    from safetynet.accounts.models import Role

    # verification: a request answered by every source, and its report
    report = full_report(
        django_capture_on_commit_callbacks, caseworker, city_facts.honest, agency_city
    )
    # a review task from a batch finding
    from django.utils import timezone

    from safetynet.verification.models import BatchRun

    now = timezone.now()
    run = BatchRun.objects.create(
        month="2020-06",
        engine="duckdb",
        source_dir="/tmp/batch",
        households_checked=1,
        findings_count=2,
        started_at=now,
        finished_at=now,
        imported_by=users["verification_operator"],
    )
    household = make_household("350203002001000001", ZHONGHUA_C1, "赵六", 900)
    task = make_task(
        household,
        run,
        [
            {
                "kind": FindingKind.DEATH,
                "source": "deaths",
                "source_record": "D-1",
                "person": household.memberships.get().person,
                "detail": {"verified_fen": 1, "declared_fen": 0, "limit_fen": None},
            },
            {
                "kind": FindingKind.UNDECLARED_ASSETS,
                "source": "bank_abc",
                "source_record": "6228480000000000001",
                "detail": {
                    "verified_fen": 12_345_600,
                    "declared_fen": 100_000,
                    "limit_fen": 4_800_000,
                    "program": "dibao",
                },
            },
        ],
    )
    # a case through its public notice, awaiting the decision
    clock = Clock(dt.date(2025, 9, 26))
    monkeypatch.setattr("safetynet.cases.clock.today", clock)
    staff = {**users, "street_officer_2": make_user("so2", Role.STREET_OFFICER, "350203002")}
    family = make_family(users["community_worker"])
    case = to_decision(staff, apply(users["community_worker"], family), clock)
    # a payroll with a line of each household
    payroll = make_payroll("2025-10", prepared_by=users["city_admin"])
    add_line(payroll, person=registry.zhang_wei, household=registry.zh1, amount_fen=80_000)
    add_line(payroll, person=family.head, household=family.household, amount_fen=123_456)
    # a what-if on the whole city (ADR 1410), done
    from safetynet.policy.whatif import whatif_start

    with django_capture_on_commit_callbacks(execute=True):
        whatif = whatif_start(
            users["city_admin"],
            settings=[{"name": "dibao.standard", "value": "850", "effective": "2020-07-01"}],
        )
    # price indices and the policy audit trail (ADR 1430, 1432): a triggered month, an entry
    from safetynet.policy.indices import index_enter

    index_enter(users["city_admin"], month="2020-06", kind="cpi", value="104.5", source="统计局")
    index_enter(users["city_admin"], month="2020-06", kind="food_cpi", value="103", source="统计局")
    # a one-key emergency (eldercare/emergency): a device and a call entered by the operator
    from safetynet.eldercare.emergency import services as emergency

    emergency.device_register(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk, device_id="YJT-0001"
    )
    em, _ = emergency.emergency_open_by_phone(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk, note="摔倒"
    )

    # the plan (issue 13): its tasks from the seed, a happiness home, a month's snapshot
    from safetynet.plan import seed as plan_seed
    from safetynet.plan import services as plan_services

    plan_seed.seed_tasks(actor=users["city_admin"])
    plan_services.home_register(
        actor=users["community_worker"],
        name="测试幸福院",
        village_code=ZHONGHUA_C1,
        kind="home",
        approved_on=dt.date(2025, 1, 1),
    )
    plan_services.snapshot_take(actor=users["city_admin"], month="2025-08")
    return {
        "whatif": whatif,
        "emergency": em,
        "report": report,
        "request": report.request,
        "task": task,
        "case": case,
        "payroll": payroll,
        "households": [registry.zh1, registry.zh2, family.household],
        "persons": [registry.zhang_wei, registry.zhang_xiaoming, family.head],
    }


def _urls(world) -> list[tuple[str, str]]:
    """(url, kind) of the main pages, PDFs and exports."""
    r = reverse
    out = [
        (r("home"), "html"),
        (r("search") + "?q=张", "html"),
        (r("household-list"), "html"),
        (r("person-list"), "html"),
        (r("household-export"), "xlsx"),
        (r("person-export"), "xlsx"),
        (r("household-import"), "html"),
        (r("household-import-template"), "xlsx"),
        (r("rules-parameters"), "html"),
        (r("rules-calculate"), "html"),
        (r("account-changes"), "html"),
        (r("verification:home"), "html"),
        (r("verification:request-list"), "html"),
        (r("verification:request-detail", args=[world["request"].pk]), "html"),
        (r("verification:report-detail", args=[world["report"].pk]), "html"),
        (r("verification:report-pdf", args=[world["report"].pk]), "pdf"),
        (r("verification:task-list"), "html"),
        (r("verification:task-detail", args=[world["task"].pk]), "html"),
        (r("verification:access-log"), "html"),
        (r("cases:workbench"), "html"),
        (r("cases:queue"), "html"),
        (r("cases:detail", args=[world["case"].pk]), "html"),
        (r("cases:lists"), "html"),
        (r("cases:reviews"), "html"),
        (r("payments:payrolls"), "html"),
        (r("payments:payroll", args=[world["payroll"].pk]), "html"),
        (r("payments:recoveries"), "html"),
        (r("funds:execution"), "html"),
        (r("funds:budgets"), "html"),
        (r("funds:journal"), "html"),
        (r("funds:statement"), "html"),
        # issue 10's remaining pages (ADR 1033): medical, disaster, funerals, policy changes
        (r("medical:settlements"), "html"),
        (r("medical:statements"), "html"),
        (r("disaster:events"), "html"),
        (r("funerals:deaths"), "html"),
        (r("policy:changes"), "html"),
        (r("funerals:services"), "html"),
        (r("funerals:statements"), "html"),
        (r("policy-whatif:runs"), "html"),
        (r("policy-whatif:run", args=[world["whatif"].pk]), "html"),
        (r("policy-whatif:briefing", args=[world["whatif"].pk, "xlsx"]), "xlsx"),
        (r("policy-whatif:briefing", args=[world["whatif"].pk, "pdf"]), "pdf"),
        (r("policy-indices:list"), "html"),  # price indices (ADR 1430)
        (r("policy-indices:audit"), "html"),  # policy audit trail (ADR 1432)
        (r("policy-indices:audit-export"), "xlsx"),
        (r("eldercare_emergency:screen") + "?q=张", "html"),
        (r("eldercare_emergency:detail", args=[world["emergency"].pk]), "html"),
        (r("eldercare_emergency:devices"), "html"),
        (r("eldercare_emergency:statistics"), "html"),
    ]
    out += [
        (r("plan:dashboard"), "html"),
        (r("plan:dashboard") + "?division=350203", "html"),
        (r("plan:indicator", args=["verification_coverage"]), "html"),
        (r("plan:tasks"), "html"),
        (r("plan:attachments"), "html"),
        (r("plan:homes"), "html"),
        (r("plan:stations"), "html"),
        (r("plan:purchases"), "html"),
        (r("plan:villages"), "html"),
        (r("plan:placements"), "html"),
        (r("plan:report"), "pdf"),
    ]
    out += [(r("household-detail", args=[h.pk]), "html") for h in world["households"]]
    out += [(r("person-detail", args=[p.pk]), "html") for p in world["persons"]]
    out += [(r("cases:notice-pdf", args=[n.pk]), "pdf") for n in Notice.objects.all()]
    return out


def _data(users, world) -> set[str]:
    """The test city's own strings (not the product's words)."""
    data = {u.username for u in users.values()} | {"so2", "caseworker"}
    data |= {h.number for h in world["households"]}
    data |= set(VerificationRequest.objects.values_list("number", flat=True))
    return data


def test_every_main_page_pdf_and_export_is_chinese(client, users, world):
    seen = 0
    report: dict[str, list[str]] = {}
    for role in ROLES:
        client.force_login(users[role])
        for url, kind in _urls(world):
            with translation.override("zh-hans"):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code in (200, 403, 404), (role, url, response.status_code)
            if response.status_code != 200:
                continue
            seen += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if kind == "pdf":
                lines = pdf_text(body)
            elif kind == "xlsx":
                lines = xlsx_text(body)
            else:
                lines = html_text(body.decode())
            found = problems(lines, data=_data(users, world))
            if found:
                report.setdefault(url, sorted(set(found)))
    assert seen > 100  # every role saw its pages
    assert not report, "\n".join(f"{u}:\n  " + "\n  ".join(f) for u, f in report.items())


def test_the_checker_catches_codes_and_english():
    found = problems(
        [
            "来源 bank_abc 已答复",
            "原因 NO_ELIGIBLE_MEMBER",
            "eligible = True",
            "农村：None",
            "所在地 350203",
            "pending 34",
            "导出 Excel（PDF）",
            "思明区（350203）",
            "350203********1234",
            "户编号 Z1",
            "姓名:张三",
            "时间 10:30",
        ]
    )
    assert [f.split(" in ")[0] for f in found] == [
        "code 'bank_abc'",
        "code 'NO_ELIGIBLE_MEMBER'",
        "value 'True'",
        "English 'eligible'",
        "value 'None'",
        "division code '350203'",
        "English 'pending'",
        "wrong word '户编号'",
        "half-width colon '名:'",
    ]
    assert ReviewTask  # imported for the fixture's model
