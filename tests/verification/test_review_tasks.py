"""Review tasks (复核任务): the street office's follow-up of a batch's findings — services
(transitions, refusals, history), selectors (scoping per role, the access log) and the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from safetynet.verification import selectors, services
from safetynet.verification.errors import NotFoundError, ServiceError
from safetynet.verification.findings import findings_import
from safetynet.verification.models import (
    AccessAction,
    AccessLog,
    BatchRun,
    FindingKind,
    ReviewTask,
    TaskOutcome,
    TaskStatus,
)
from tests.helpers.city import HULI_STREET, ZHONGHUA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The selectors' labels in English (the pages are tested in the site's language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def city_db(findings_city_db):
    """This module's city: the findings' one (tests/verification/conftest.py)."""
    return findings_city_db


def _start(user, task):
    return services.review_task_start(actor=user, task_id=task.pk)


def _close(user, task, outcome=TaskOutcome.NO_CHANGE, note="核实无误"):
    return services.review_task_close(actor=user, task_id=task.pk, outcome_code=outcome, note=note)


# ================================================================== services
def test_start_then_close_records_who_when_and_history(users, tasks):
    so = users["street_officer"]
    task = _start(so, tasks["zh1"])
    assert task.status == TaskStatus.IN_PROGRESS and task.started_by == so and task.started_at
    task = _close(so, task, TaskOutcome.CONFIRMED_CHANGE, "  已调整低保金额  ")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    assert task.outcome == TaskOutcome.CONFIRMED_CHANGE and task.note == "已调整低保金额"
    assert task.closed_by == so and task.closed_at >= task.started_at
    history = list(task.history.order_by("history_date", "history_id"))
    assert [h.status for h in history] == ["open", "in_progress", "closed"]
    assert [h.history_change_reason for h in history[1:]] == [
        "review_task_start",
        "review_task_close",
    ]
    assert all(h.history_user == so for h in history[1:])


@pytest.mark.parametrize("role", ["community_worker", "verification_operator"])
def test_other_operating_roles_in_jurisdiction_may_act(users, tasks, role):
    task = _start(users[role], tasks["zh1"])
    assert _close(users[role], task).status == TaskStatus.CLOSED


def test_illegal_transitions_are_refused_with_stable_codes(users, tasks):
    so, task = users["street_officer"], tasks["zh1"]
    with pytest.raises(ServiceError) as exc:
        _close(so, task)
    assert exc.value.code == "task_not_in_progress"
    _start(so, task)
    with pytest.raises(ServiceError) as exc:
        _start(so, task)
    assert exc.value.code == "task_not_open"
    _close(so, task)
    for act in (_start, _close):
        with pytest.raises(ServiceError) as exc:
            act(so, task)
        assert exc.value.code == "task_already_closed"
    assert task.history.count() == 3  # refusals write nothing


@pytest.mark.parametrize(
    ("outcome", "note", "code"),
    [("made_up", "x", "task_outcome_unknown"), ("no_change", "   ", "task_note_missing")],
)
def test_close_needs_a_known_outcome_and_a_note(users, tasks, outcome, note, code):
    so, task = users["street_officer"], tasks["zh1"]
    _start(so, task)
    with pytest.raises(ServiceError) as exc:
        _close(so, task, outcome, note)
    assert exc.value.code == code
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.note == ""


def test_outside_the_jurisdiction_is_not_found(users, tasks):
    with pytest.raises(NotFoundError):
        _start(users["huli_officer"], tasks["zh1"])
    with pytest.raises(NotFoundError):  # community worker of community 1, task of community 2
        _start(users["community_worker"], tasks["zh2"])


@pytest.mark.parametrize("role", ["district_approver", "city_admin", "auditor"])
def test_roles_that_do_not_operate_are_refused(users, tasks, role):
    with pytest.raises(ServiceError) as exc:
        _start(users[role], tasks["zh1"])
    assert exc.value.code == "not_permitted"
    assert ReviewTask.objects.get(pk=tasks["zh1"].pk).status == TaskStatus.OPEN


# ================================================================== selectors
@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("community_worker", {"zh1"}),
        ("street_officer", {"zh1", "zh2"}),
        ("district_approver", {"zh1", "zh2"}),
        ("verification_operator", {"zh1", "zh2", "huli"}),
        ("huli_officer", {"huli"}),
    ],
)
def test_list_is_scoped_by_jurisdiction(users, tasks, role, visible):
    got = {t.pk for t in selectors.review_task_list(actor=users[role])}
    assert got == {tasks[k].pk for k in visible}


@pytest.mark.parametrize("role", ["city_admin", "auditor"])
def test_roles_without_a_need_see_no_tasks(users, tasks, role):
    with pytest.raises(ServiceError) as exc:
        selectors.review_task_list(actor=users[role])
    assert exc.value.code == "not_permitted"
    with pytest.raises(ServiceError):
        selectors.review_task_get(actor=users[role], task_id=tasks["zh1"].pk)
    assert not AccessLog.objects.exists()


def test_list_rows_filters_and_counts(users, tasks):
    so = users["street_officer"]
    _start(so, tasks["zh2"])
    rows = selectors.review_task_rows(selectors.review_task_list(actor=so))
    by_pk = {t.pk: t for t in rows}
    zh1 = by_pk[tasks["zh1"].pk]
    assert zh1.household.number == "350203002001000001" and zh1.head_name == "张三"
    assert zh1.batch_run.month == "2020-06" and zh1.age_days == 0
    assert set(zh1.finding_kinds) == {"Income above the line", "Income above the declaration"}
    only_cars = selectors.review_task_list(actor=so, kind=FindingKind.NEW_VEHICLE)
    assert [t.pk for t in only_cars] == [tasks["zh2"].pk]
    opened = selectors.review_task_list(actor=so, status=TaskStatus.OPEN)
    assert [t.pk for t in opened] == [tasks["zh1"].pk]
    assert selectors.review_task_counts(actor=so) == {"open": 1, "in_progress": 1, "closed": 0}
    assert selectors.review_task_counts(actor=so, kind=FindingKind.DEATH)["in_progress"] == 0


def test_get_shows_findings_in_exact_yuan_and_logs_the_view(users, tasks):
    so = users["street_officer"]
    task = selectors.review_task_get(actor=so, task_id=tasks["zh1"].pk)
    views = {v.finding.kind: v for v in task.finding_views}
    wage = views[FindingKind.UNDECLARED_INCOME]
    assert [(str(f.label), f.value) for f in wage.figures] == [
        ("Verified", "1,234.56"),
        ("Declared", "0.05"),
    ]
    line = views[FindingKind.INCOME_ABOVE_LINE]
    assert [f.value for f in line.figures] == ["1,234.56", "0.05", "1,600.00"]
    assert ("Line (yuan/month)", "800.00") in [(str(f.label), f.value) for f in line.extra]
    log = AccessLog.objects.get()
    assert log.user == so and log.action == AccessAction.VIEW_FINDING
    assert log.household_id == tasks["zh1"].household_id
    assert log.purpose == f"复核任务 {tasks['zh1'].pk}"
    car = selectors.review_task_get(actor=so, task_id=tasks["zh2"].pk, purpose="家访")
    figures = car.finding_views[0]
    assert [f.value for f in figures.figures] == ["1", "0", "0"]  # counts, not yuan
    assert ("Value (yuan)", "80,000.01") in [(str(f.label), f.value) for f in figures.extra]
    assert AccessLog.objects.count() == 2
    assert AccessLog.objects.order_by("-id").first().purpose.endswith("· 家访")


def test_get_outside_the_jurisdiction_is_not_found_and_not_logged(users, tasks):
    with pytest.raises(NotFoundError):
        selectors.review_task_get(actor=users["huli_officer"], task_id=tasks["zh1"].pk)
    with pytest.raises(NotFoundError):
        selectors.review_task_get(actor=users["street_officer"], task_id=999_999)
    assert not AccessLog.objects.exists()


def test_the_auditor_lists_the_task_views(users, tasks):
    selectors.review_task_get(actor=users["district_approver"], task_id=tasks["zh1"].pk)
    rows = list(selectors.access_log_list(actor=users["auditor"]))
    assert [r.action for r in rows] == [AccessAction.VIEW_FINDING]


# ================================================================== pages
def test_list_page_and_counts(client, users, tasks):
    client.force_login(users["street_officer"])
    page = client.get(reverse("verification:task-list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "350203002001000001" in html and "张三" in html and "350206001001000001" not in html
    assert 'data-testid="count-open"' in html
    filtered = client.get(reverse("verification:task-list"), {"kind": "new_vehicle"})
    assert "350203002002000001" in filtered.content.decode()
    assert "350203002001000001" not in filtered.content.decode()
    assert not AccessLog.objects.exists()  # lists are not logged


def test_task_list_sorts_filters_and_picks_a_division(client, users, tasks):
    """ADR 1033: the review tasks on the list component."""
    client.force_login(users["street_officer"])
    url = reverse("verification:task-list")
    page = client.get(url, {"sort": "household"})
    numbers = [t.household.number for t in page.context["list"].rows]
    assert numbers == sorted(numbers) and page.context["list"].page.paginator.count == len(numbers)
    page = client.get(url, {"sort": "-household"})
    assert [t.household.number for t in page.context["list"].rows] == sorted(numbers)[::-1]
    assert 'data-testid="division-picker"' in page.content.decode()
    page = client.get(url, {"q": "350203002002000001"})
    assert [t.household.number for t in page.context["list"].rows] == ["350203002002000001"]
    page = client.get(url, {"division": "350203002001"})
    assert "350203002002000001" not in [t.household.number for t in page.context["list"].rows]


@pytest.mark.parametrize("role", ["city_admin", "auditor"])
def test_pages_refuse_roles_without_a_need(client, users, tasks, role):
    client.force_login(users[role])
    assert client.get(reverse("verification:task-list")).status_code == 403
    assert (
        client.get(reverse("verification:task-detail", args=[tasks["zh1"].pk])).status_code == 403
    )


def test_detail_404_outside_jurisdiction(client, users, tasks):
    client.force_login(users["huli_officer"])
    for name in ("task-detail",):
        assert (
            client.get(reverse(f"verification:{name}", args=[tasks["zh1"].pk])).status_code == 404
        )
    for name in ("task-start", "task-close"):
        url = reverse(f"verification:{name}", args=[tasks["zh1"].pk])
        assert client.post(url, {"outcome_code": "no_change", "note": "x"}).status_code == 404


def test_start_and_close_through_the_pages(client, users, tasks):
    client.force_login(users["street_officer"])
    task = tasks["zh1"]
    detail = client.get(reverse("verification:task-detail", args=[task.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "1,234.56" in html and "91350200MA2XXXXX1" in html
    assert 'data-testid="start-task"' in html
    started = client.post(reverse("verification:task-start", args=[task.pk]))
    assert started.status_code == 302
    again = client.post(reverse("verification:task-start", args=[task.pk]), follow=True)
    assert 'class="msg-error"' in again.content.decode()
    url = reverse("verification:task-close", args=[task.pk])
    missing = client.post(url, {"outcome_code": "no_change", "note": " "})
    assert missing.status_code == 422
    assert 'data-testid="note-errors"' in missing.content.decode()
    bad = client.post(url, {"outcome_code": "nope", "note": "x"})
    assert bad.status_code == 422 and 'data-testid="outcome-errors"' in bad.content.decode()
    done = client.post(url, {"outcome_code": "referred_to_verification", "note": "需入户核对"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "closed" and task.outcome == "referred_to_verification"
    closed = client.get(done.url).content.decode()
    assert reverse("verification:request-open", args=[task.household_id]) in closed


def test_district_approver_views_but_may_not_act(client, users, tasks):
    client.force_login(users["district_approver"])
    detail = client.get(reverse("verification:task-detail", args=[tasks["zh1"].pk]))
    assert detail.status_code == 200 and 'data-testid="start-task"' not in detail.content.decode()
    assert (
        client.post(reverse("verification:task-start", args=[tasks["zh1"].pk])).status_code == 403
    )


def test_home_and_household_pages_link_to_tasks(client, users, tasks):
    client.force_login(users["street_officer"])
    home = client.get(reverse("verification:home")).content.decode()
    assert reverse("verification:task-list") in home
    page = client.get(reverse("household-detail", args=[tasks["zh1"].household_id]))
    assert reverse("verification:task-detail", args=[tasks["zh1"].pk]) in page.content.decode()
    _start(users["street_officer"], tasks["zh1"])
    _close(users["street_officer"], ReviewTask.objects.get(pk=tasks["zh1"].pk))
    page = client.get(reverse("household-detail", args=[tasks["zh1"].household_id]))
    assert 'data-testid="open-review-tasks"' not in page.content.decode()


# ================================================================== from a real batch
def test_imported_findings_become_tasks_the_street_reviews(client, operator, batch_out):
    run = findings_import(actor=operator, batch_dir=batch_out)
    task = run.tasks.select_related("household").first()
    from safetynet.accounts.models import Role, User

    officer = User.objects.create_user(
        username="street-x", password="pass-for-tests-1", role=Role.STREET_OFFICER,
        jurisdiction_id=task.street_id,
    )  # fmt: skip
    listed = {t.pk for t in selectors.review_task_list(actor=officer)}
    assert task.pk in listed
    assert listed == set(run.tasks.filter(street_id=task.street_id).values_list("pk", flat=True))
    shown = selectors.review_task_get(actor=officer, task_id=task.pk)
    assert len(shown.finding_views) == run.findings.filter(household=task.household).count()
    client.force_login(officer)
    assert client.get(reverse("verification:task-detail", args=[task.pk])).status_code == 200


def test_import_page_for_the_operator_only(client, settings, users, operator, batch_out):
    settings.BATCH_DIR = batch_out.parent
    client.force_login(users["street_officer"])
    assert client.get(reverse("verification:findings-import")).status_code == 403
    client.force_login(operator)
    url = reverse("verification:findings-import")
    assert client.get(url).status_code == 200
    for outside in ("/etc", "../..", str(batch_out.parent.parent)):
        refused = client.post(url, {"directory": outside})
        assert refused.status_code == 200 and BatchRun.objects.count() == 0
    missing = client.post(url, {"directory": "no-such-run"})
    assert missing.status_code == 200 and 'data-testid="import-errors"' in missing.content.decode()
    done = client.post(url, {"directory": batch_out.name})
    assert done.status_code == 302 and BatchRun.objects.count() == 1
    assert ReviewTask.objects.exists()


_ = (HULI_STREET, ZHONGHUA)
