"""End to end in Chromium: a street officer opens the review tasks, opens one, starts it and
closes it with a note."""

import pytest
from playwright.sync_api import expect

from safetynet.verification.models import ReviewTask, TaskStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_street_officer_reviews_a_task(page, login, users, tasks):
    task = tasks["zh1"]
    login(users["street_officer"].username)
    page.goto("/verification/")
    page.get_by_test_id("task-list-link").click()
    expect(page.locator("h1")).to_contain_text("复核任务")
    rows = page.get_by_test_id("task-rows")
    expect(rows).to_contain_text("350203002001000001")
    expect(rows).not_to_contain_text("350206001001000001")  # another street's
    rows.get_by_test_id(f"task-{task.pk}").get_by_role("link").click()
    expect(page.get_by_test_id("findings")).to_contain_text("1,234.56")
    expect(page.get_by_test_id("task-status")).to_have_text("待处理")  # nobody has taken it up yet
    page.get_by_test_id("start-task").click()
    expect(page.get_by_test_id("task-status")).to_have_text("处理中")
    # Closing without a note is refused, with the reason shown.
    page.get_by_label("核实无误，维持").check()
    page.get_by_test_id("close-task").click()
    expect(page.get_by_test_id("note-errors")).to_contain_text("请填写复核情况说明")
    page.get_by_label("核实无误，维持").check()
    page.fill("#id_note", "入户核实，工资已于五月停发。")
    page.get_by_test_id("close-task").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已办结")
    expect(page.get_by_test_id("task-note")).to_have_text("入户核实，工资已于五月停发。")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.closed_by == users["street_officer"]
    assert ReviewTask.objects.get(pk=task.pk).outcome == "no_change"
