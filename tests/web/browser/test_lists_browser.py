"""The shared list component and the search page in Chromium, and every main page at a phone's
width (390 px) and a desktop's (1440 px), in Chinese and English: the page itself never scrolls
sideways (wide tables scroll inside their container)."""

import pytest
from playwright.sync_api import expect

from tests.helpers.city import HULI_C1, ZHONGHUA, ZHONGHUA_C2

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every main page, each opened by a role that has it in its navigation.
MAIN_PAGES = {
    "ca": [
        "/",
        "/search/?q=张",
        "/households/",
        "/persons/",
        "/households/import/",
        "/rules/parameters/",
        "/rules/calculate/",
        "/cases/",
        "/payments/",
        "/payments/banks/",
        "/funds/",
        # issue 10's remaining pages (ADR 1033)
        "/medical/",
        "/medical/statements/",
        "/disaster/",
        "/funerals/deaths/",
        "/rules/parameters/changes/",
    ],
    "vo": ["/verification/", "/verification/requests/"],
    "so": ["/", "/households/", "/cases/", "/verification/tasks/", "/funerals/deaths/"],
}

OVERFLOW = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# For the failure message: the outermost elements that stick out of the viewport.
CULPRITS = """() => {
  const w = document.documentElement.clientWidth, out = [];
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && !clipped(el)) {
      const name = el.tagName.toLowerCase() + "." + [...el.classList].join(".");
      out.push(name + " " + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


def test_division_picker_drills_down_with_the_script(login, registry):
    page = login("ca")
    page.goto("/households/")
    picker = page.get_by_test_id("division-picker")
    street = picker.locator("select[name=street]")
    expect(street).to_be_disabled()
    picker.locator("select[name=district]").select_option("350203")  # 思明区
    expect(street).to_be_enabled()
    street.select_option(ZHONGHUA)  # filled by division-picker.js, no reload
    community = picker.locator("select[name=community]")
    expect(community.locator("option")).to_have_count(3)  # 全部 + two communities
    community.select_option(ZHONGHUA_C2)
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("household-list").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(registry.zh2.number)
    expect(page.locator("select[name=community]")).to_have_value(ZHONGHUA_C2)


def test_division_picker_without_script_is_cascaded_selects(browser, live_server, users, registry):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "ca")
    page.fill("#id_password", "pass-for-tests-1")
    page.click("button[type=submit].primary")
    page.goto("/households/")
    page.locator("select[name=district]").select_option("350206")  # 湖里区
    page.get_by_role("button", name="筛选").click()  # the server lists its streets
    page.locator("select[name=street]").select_option("350206001")
    page.get_by_role("button", name="筛选").click()
    page.locator("select[name=community]").select_option(HULI_C1)
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_test_id("household-list").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(registry.hl1.number)
    context.close()


def test_sorting_and_search_paging(login, registry):
    page = login("ca")
    page.goto("/persons/")
    page.get_by_role("link", name="姓名").click()
    first = page.get_by_test_id("person-list").locator("tbody tr").first
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("姓名")
    page.get_by_role("link", name="姓名").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("姓名")
    expect(first).to_be_visible()
    page.goto("/search/")
    page.locator("#id_q").press_sequentially("张小")
    expect(page.get_by_test_id("matched")).to_contain_text("张小明")
    expect(page.get_by_test_id("result-count")).to_contain_text("1户家庭符合")
    page.locator("#id_q").fill(registry.zhang_wei.id_number[:10])
    page.locator("#id_q").press("Enter")
    expect(page.get_by_test_id("partial-id")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1440])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_page_scrolls_sideways(browser, live_server, users, registry, width, language):
    wide = []
    for username, paths in MAIN_PAGES.items():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pass-for-tests-1")
        page.click("button[type=submit].primary")
        page.get_by_test_id("who").wait_for()
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for path in paths:
            response = page.goto(path)
            assert response.status < 400, (username, path, response.status)
            if not page.evaluate(OVERFLOW):
                wide.append((username, path, page.evaluate(CULPRITS)))
        context.close()
    assert not wide, f"pages wider than {width} px ({language}): {wide}"
