"""The shared list component (sorting, page numbers, category column, text filter, division
picker), the search page's paging with the true count, and issue 10's small fixes (ISO date
inputs, the import template's example, which household a person already belongs to, every
problem of a roster row)."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from safetynet.core.errors import ServiceError
from safetynet.core.widgets import DateInput
from safetynet.registry import importers, services
from safetynet.registry.models import Household, Person
from safetynet.web import lists
from safetynet.web import selectors as web_selectors
from tests.helpers.city import (
    HULI_C1,
    ZHONGHUA,
    ZHONGHUA_C1,
    ZHONGHUA_C2,
    make_household,
    make_id,
    make_person,
)

pytestmark = pytest.mark.django_db


def rows_of(content: str, testid: str) -> list[str]:
    table = content.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[ >].*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


# ------------------------------------------------------------------ the component itself


def test_page_numbers_keep_first_last_and_neighbours():
    assert lists.page_numbers(1, 1) == [1]
    assert lists.page_numbers(6, 20) == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert lists.page_numbers(2, 5) == [1, 2, 3, 4, 5]


def test_list_page_sorts_by_a_named_column_only(registry):
    columns = [lists.Column("n", ("number",)), lists.Column("addr")]
    rows = Household.objects.all()
    page = lists.list_page(QueryDict("sort=-number"), rows, columns=columns)
    assert [h.number for h in page.rows] == ["ZH-0002", "ZH-0001", "HL-0001"]
    assert page.headers[0].direction == "descending" and page.headers[0].url == "?sort=number"
    assert page.headers[1].url == ""  # not sortable
    # An unknown key (a field the view did not offer) is ignored: the default applies.
    page = lists.list_page(QueryDict("sort=address"), rows, columns=columns, default_sort="number")
    assert [h.number for h in page.rows] == ["HL-0001", "ZH-0001", "ZH-0002"]


def test_division_picker_drills_down_within_the_jurisdiction(users, divisions):
    admin, officer = users["city_admin"], users["street_officer"]
    picker = lists.division_picker(actor=admin, params=QueryDict(""))
    assert [level.name for level in picker.levels] == ["district", "street", "community"]
    assert "350203" in dict(picker.levels[0].options)
    assert picker.levels[1].options == [] and picker.code == ""  # nothing chosen yet
    chosen = lists.division_picker(
        actor=admin, params=QueryDict("district=350203&street=350203002")
    )
    assert chosen.code == "350203002"
    assert dict(chosen.levels[2].options) == {ZHONGHUA_C1: "测试一社区", ZHONGHUA_C2: "测试二社区"}
    # A street that is not in the chosen district (changed without JavaScript) is dropped.
    moved = lists.division_picker(actor=admin, params=QueryDict("district=350206&street=350203002"))
    assert moved.code == "350206"
    # A street officer picks among their communities only; another street's is ignored.
    own = lists.division_picker(actor=officer, params=QueryDict(f"community={HULI_C1}"))
    assert [level.name for level in own.levels] == ["community"] and own.code == ""
    # A bare division code (links from the home page) preselects its path.
    legacy = lists.division_picker(actor=admin, params=QueryDict(f"division={ZHONGHUA_C2}"))
    assert legacy.code == ZHONGHUA_C2 and legacy.levels[1].selected == ZHONGHUA


def test_division_children_endpoint_is_scoped(client, users, divisions):
    client.force_login(users["street_officer"])
    url = reverse("division-children")
    mine = client.get(url, {"parent": ZHONGHUA}).json()["children"]
    assert [c["code"] for c in mine] == [ZHONGHUA_C1, ZHONGHUA_C2]
    assert client.get(url, {"parent": "350206001"}).json()["children"] == []


# ------------------------------------------------------------------ the registry lists


def test_household_list_sorts_filters_and_shows_categories(client, users, registry):
    client.force_login(users["city_admin"])
    url = reverse("household-list")
    content = client.get(url, {"sort": "-head_name"}).content.decode()
    heads = [
        re.search(r'class="name">([^<]+)<', r).group(1) for r in rows_of(content, "household-list")
    ]
    assert heads == sorted(heads, reverse=True) and len(heads) == 3
    assert 'aria-sort="descending"' in content
    row = next(r for r in rows_of(content, "household-list") if "ZH-0001" in r)
    assert "低保" in row  # the members' current categories, labelled
    assert "dibao" not in row
    # The text filter (the registry's search) and the division picker narrow the list.
    only = client.get(url, {"q": "王"}).content.decode()
    assert [("ZH-0002" in r) for r in rows_of(only, "household-list")] == [True]
    huli = client.get(url, {"district": "350206"}).content.decode()
    assert [("HL-0001" in r) for r in rows_of(huli, "household-list")] == [True]


def test_person_list_pages_with_numbers(client, users, registry, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    client.force_login(users["city_admin"])
    content = client.get(reverse("person-list"), {"sort": "name", "page": 2}).content.decode()
    assert 'aria-current="page">2<' in content
    assert "?sort=name&amp;page=1" in content and "?sort=name&amp;page=3" in content
    assert len(rows_of(content, "person-list")) == 2


# ------------------------------------------------------------------ search


def test_search_pages_every_match_with_the_true_count(client, users, registry, monkeypatch):
    """More matches than a page: the count is every match (not the page), and page 2 exists."""
    for k in range(5):
        person = make_person(f"张{k}号", "350203", dt.date(1980, 1, 1), 100 + k, "M", ZHONGHUA_C1)
        make_household(f"ZS-{k:04d}", ZHONGHUA_C1, [(person, "head")])
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    client.force_login(users["street_officer"])
    found = web_selectors.household_search(actor=users["street_officer"], query="张")
    assert (found.count, found.truncated) == (6, False)  # ZH-0001 (张伟, 张小明) and five more
    content = client.get(reverse("search"), {"q": "张", "page": 3}).content.decode()
    assert "6户家庭符合" in content
    assert len(rows_of(content, "search-results")) == 2 * 2  # a household row + its matched row
    assert 'aria-current="page">3<' in content


def test_search_shows_which_member_matched(client, users, registry):
    client.force_login(users["street_officer"])
    content = client.get(reverse("search"), {"q": "张小"}).content.decode()
    matched = content.split('data-testid="matched"', 1)[1].split("</td>", 1)[0]
    assert "张小明" in matched and "子女" in matched and "张伟" not in matched
    assert registry.zhang_xiaoming.id_number not in content  # masked


def test_search_explains_partial_id_numbers(client, users, registry):
    client.force_login(users["street_officer"])
    partial = registry.zhang_wei.id_number[:10]
    content = client.get(reverse("search"), {"q": partial}).content.decode()
    assert 'data-testid="partial-id"' in content and "18" in content
    name = client.get(reverse("search"), {"q": "无此人"}).content.decode()
    assert 'data-testid="partial-id"' not in name


# ------------------------------------------------------------------ small fixes


def test_date_inputs_are_iso_in_chinese():
    with translation.override("zh-hans"):
        html = DateInput().render("signed_on", dt.date(2026, 12, 1))
    assert 'value="2026-12-01"' in html and 'type="date"' in html


def test_the_templates_example_household_imports_cleanly(users, divisions):
    """The instructions sheet's example, copied into the roster sheet as it stands, imports."""
    officer = users["street_officer"]
    wb = openpyxl.load_workbook(io.BytesIO(importers.household_template_workbook(actor=officer)))
    help_rows = [[c.value for c in row] for row in wb[importers.HELP_SHEET].iter_rows()]
    start = next(i for i, r in enumerate(help_rows) if r[0] == "示例（一户两人）：")
    headers, *examples = help_rows[start + 1 : start + 4]
    assert headers[:2] == ["户号", "所属社区代码"] and len(examples) == 2
    help_text = " ".join(str(r[0]) for r in help_rows[:start])
    assert "灰色" not in help_text  # no mention of example rows that do not exist
    roster = wb[importers.DATA_SHEET]
    for values in examples:
        roster.append(values)
    out = io.BytesIO()
    wb.save(out)
    result = importers.household_roster_import(
        actor=officer, file=out.getvalue(), filename="template.xlsx"
    )
    assert (result.households, result.persons_created) == (1, 2)
    household = Household.objects.get(number="示例-0001")
    assert household.division_id == ZHONGHUA_C1


def test_already_a_member_names_the_household(users, registry):
    officer = users["street_officer"]
    with pytest.raises(ServiceError) as refused:
        services.household_create(
            actor=officer,
            number="ZH-0009",
            division=ZHONGHUA_C2,
            head=registry.wang_fang,
        )
    assert "ZH-0002" in str(refused.value.message)


def test_a_wrong_birth_date_hides_no_other_problem_of_the_row(users, registry):
    officer = users["street_officer"]
    good = make_id("350203", dt.date(1990, 1, 1), 40, "M")
    row = {
        "户号": "IMP-9",
        "所属社区代码": ZHONGHUA_C1,
        "身份证号": good,
        "姓名": "林错",
        "性别": "女",  # contradicts the ID number too
        "出生日期": "1991-01-01",  # contradicts the ID number
        "与户主关系": "户主",
        "入户日期": "1985-01-01",  # before the (ID number's) birth
    }
    headers = [c.header for c in importers.COLUMNS]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = importers.DATA_SHEET
    ws.append(headers)
    ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ServiceError) as refused:
        importers.household_roster_import(actor=officer, file=out.getvalue(), filename="r.xlsx")
    codes = {(p.field, p.code) for p in refused.value.problems}
    assert any(c == "birth_date_mismatch" for _f, c in codes), codes
    assert any(c == "sex_mismatch" for _f, c in codes), codes
    assert any(c == "date_before_birth" for _f, c in codes), codes
    assert not Person.objects.filter(name="林错").exists()


# ------------------------------------------------------------------ names, masking, breadcrumbs


def test_numbers_are_masked_one_way():
    from safetynet.core.masking import mask_account_number, mask_field
    from safetynet.payments.templatetags.bank_tags import masked_account

    assert mask_account_number("6222021234567890123") == "6222***********0123"
    assert masked_account("6222021234567890123") == "6222***********0123"
    assert mask_account_number("1234") == "****"
    spouse = make_id("350203", dt.date(1960, 2, 14), 4, "F")
    assert mask_field("spouse_id_number", spouse) == spouse[:6] + "********" + spouse[-4:]
    assert mask_field("account_number", "6222021234567890123").endswith("*0123")
    assert mask_field("name", "王芳") == "王芳"


def test_officers_real_name_in_chinese_order(users):
    from safetynet.accounts.services import demo_users_ensure

    officer = users["street_officer"]
    officer.last_name, officer.first_name = "陈", "志明"
    assert officer.get_full_name() == "陈志明"
    officer.last_name, officer.first_name = "Smith", "Ann"
    assert officer.get_full_name() == "Ann Smith"
    logins = {login.username: login for login in demo_users_ensure(password="x-demo-pass-1")}
    from safetynet.accounts.models import User

    assert User.objects.get(username="demo-verify").get_full_name() == "吴海峰"
    assert "demo-street" in logins


def test_detail_pages_have_breadcrumbs(client, users, registry):
    client.force_login(users["street_officer"])
    household = client.get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    crumbs = household.split('data-testid="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert reverse("household-list") in crumbs and registry.zh1.number in crumbs
    person = client.get(reverse("person-detail", args=[registry.zhang_wei.pk])).content.decode()
    crumbs = person.split('data-testid="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert reverse("household-detail", args=[registry.zh1.pk]) in crumbs and "张伟" in crumbs
