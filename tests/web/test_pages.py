"""The web UI: every page scoped to the user's jurisdiction, for each role."""

import re

import pytest
from django.urls import reverse

from safetynet.registry.ids import mask_id_number
from safetynet.registry.models import Person
from tests.helpers.city import FULL_ID, MAY_EXPORT, MAY_IMPORT, ROLES, VISIBLE

pytestmark = pytest.mark.django_db

ALL = ("zh1", "zh2", "hl1")


@pytest.fixture
def as_role(client, users):
    def login(role):
        client.force_login(users[role])
        return client

    return login


def test_pages_need_login(client, registry):
    for url in [
        reverse("home"),
        reverse("search"),
        reverse("household-list"),
        reverse("person-list"),
        reverse("household-detail", args=[registry.zh1.pk]),
        reverse("person-detail", args=[registry.zhang_wei.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_household_pages_are_scoped(as_role, registry, role):
    client = as_role(role)
    for key, household in registry.households().items():
        response = client.get(reverse("household-detail", args=[household.pk]))
        assert response.status_code == (200 if key in VISIBLE[role] else 404), key


@pytest.mark.parametrize("role", ROLES)
def test_person_pages_are_scoped(as_role, registry, role):
    client = as_role(role)
    heads = {"zh1": registry.zhang_wei, "zh2": registry.wang_fang, "hl1": registry.chen_jie}
    for key, person in heads.items():
        response = client.get(reverse("person-detail", args=[person.pk]))
        assert response.status_code == (200 if key in VISIBLE[role] else 404), key


@pytest.mark.parametrize("role", ROLES)
def test_household_list_is_scoped(as_role, registry, role):
    content = as_role(role).get(reverse("household-list")).content.decode()
    for key, household in registry.households().items():
        assert (household.number in content) == (key in VISIBLE[role]), key


@pytest.mark.parametrize("role", ROLES)
def test_person_list_is_scoped_and_masked(as_role, registry, role):
    content = as_role(role).get(reverse("person-list")).content.decode()
    assert ("张伟" in content) == ("zh1" in VISIBLE[role])
    assert ("陈杰" in content) == ("hl1" in VISIBLE[role])
    for person in (registry.zhang_wei, registry.chen_jie):
        assert person.id_number not in content  # lists never show a whole ID number


@pytest.mark.parametrize("role", ROLES)
def test_search_by_name_and_id_is_scoped(as_role, registry, role):
    client = as_role(role)
    for key, name, person in [
        ("zh1", "张", registry.zhang_wei),
        ("hl1", "陈", registry.chen_jie),
    ]:
        for query in (name, person.id_number):
            content = client.get(reverse("search"), {"q": query}).content.decode()
            number = registry.households()[key].number
            assert (number in content) == (key in VISIBLE[role]), (key, query)
            results = client.get(
                reverse("search"), {"q": query}, headers={"HX-Request": "true"}
            ).content.decode()
            assert person.id_number not in results  # the results list is masked
            if key in VISIBLE[role]:
                assert mask_id_number(person.id_number) in results


@pytest.mark.parametrize("role", ROLES)
def test_person_page_shows_whole_id_only_to_roles_that_need_it(as_role, registry, role):
    person = registry.zhang_wei if "zh1" in VISIBLE[role] else registry.chen_jie
    content = as_role(role).get(reverse("person-detail", args=[person.pk])).content.decode()
    assert (person.id_number in content) == FULL_ID[role]
    if not FULL_ID[role]:
        assert mask_id_number(person.id_number) in content


@pytest.mark.parametrize(
    ("selfcare", "supporter", "shown"),
    [
        (None, None, ("未评估", "不详")),
        (0, True, ("能自理", "有")),
        (2, False, ("部分失能", "无")),
        (5, False, ("完全失能", "无")),
    ],
)
def test_person_page_shows_the_tekun_facts(as_role, registry, selfcare, supporter, shown):
    person = registry.zhang_wei
    Person.objects.filter(pk=person.pk).update(
        selfcare_failed_items=selfcare, has_capable_supporter=supporter
    )
    content = as_role("city_admin").get(reverse("person-detail", args=[person.pk])).content
    page = content.decode()
    assert "自理能力" in page and "有无赡养能力人" in page
    tier = page.split('data-testid="selfcare">')[1].split("</dd>")[0]
    assert tier.startswith(shown[0])
    if selfcare is not None:
        assert f"6 项中 {selfcare} 项不能自理" in tier
    assert page.split('data-testid="supporter">')[1].split("</dd>")[0] == shown[1]


def test_street_officer_gets_404_for_huli_household_and_the_reverse(as_role, registry, users):
    zhonghua = as_role("street_officer")
    assert zhonghua.get(reverse("household-detail", args=[registry.hl1.pk])).status_code == 404
    assert zhonghua.get(reverse("household-detail", args=[registry.zh1.pk])).status_code == 200
    huli = as_role("huli_officer")
    assert huli.get(reverse("household-detail", args=[registry.zh1.pk])).status_code == 404
    response = huli.get(reverse("household-detail", args=[registry.hl1.pk]))
    assert response.status_code == 200


def test_missing_and_foreign_records_look_the_same(as_role, registry):
    client = as_role("street_officer")
    foreign = client.get(reverse("household-detail", args=[registry.hl1.pk]))
    missing = client.get(reverse("household-detail", args=[999999]))
    assert foreign.status_code == missing.status_code == 404

    def main(response):
        return re.search(r"<main.*</main>", response.text, re.S).group(0)

    assert main(foreign) == main(missing)
    assert "没有找到" in foreign.content.decode()


def test_household_page_shows_members_categories_and_history(as_role, registry):
    content = (
        as_role("street_officer")
        .get(reverse("household-detail", args=[registry.zh1.pk]))
        .content.decode()
    )
    for text in ["思明区", "中华街道", "测试一社区", "张伟", "李娜", "张小明", "户主", "配偶"]:
        assert text in content, text
    assert "最低生活保障" in content or "低保" in content
    assert "2级" in content or "二级" in content  # disability grade
    assert mask_id_number(registry.zhang_wei.id_number) in content
    assert registry.zhang_wei.id_number not in content  # members are a list: masked
    assert 'data-testid="history"' in content


def test_deceased_member_is_marked(as_role, registry):
    content = (
        as_role("huli_officer")
        .get(reverse("household-detail", args=[registry.hl1.pk]))
        .content.decode()
    )
    assert "已故" in content and "2019-12-01" in content


def test_htmx_search_returns_only_the_results(as_role, registry):
    response = as_role("street_officer").get(
        reverse("search"), {"q": "张"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert "<html" not in content
    assert registry.zh1.number in content
    assert "HX-Request" in response["Vary"]


def test_filters_by_category_and_division(as_role, registry):
    client = as_role("city_admin")
    content = client.get(reverse("household-list"), {"category": "tekun"}).content.decode()
    assert registry.hl1.number in content and registry.zh1.number not in content
    content = client.get(reverse("household-list"), {"division": "350203"}).content.decode()
    assert registry.zh1.number in content and registry.hl1.number not in content
    content = client.get(reverse("person-list"), {"category": "disabled"}).content.decode()
    assert "张小明" in content and "张伟" not in content


def test_division_filter_outside_jurisdiction_shows_nothing_foreign(as_role, registry):
    content = (
        as_role("street_officer")
        .get(reverse("household-list"), {"division": "350206"})
        .content.decode()
    )
    assert registry.hl1.number not in content


@pytest.mark.parametrize("role", ROLES)
def test_home_counts_are_scoped(as_role, registry, role):
    response = as_role(role).get(reverse("home"))
    dashboard = response.context["dashboard"]
    assert dashboard.households == len(VISIBLE[role])
    members = {"zh1": 3, "zh2": 1, "hl1": 2}
    assert dashboard.persons == sum(members[k] for k in VISIBLE[role])


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_only_what_the_role_may_use(as_role, registry, role):
    content = as_role(role).get(reverse("home")).content.decode()
    assert (f'href="{reverse("household-import")}"' in content) == (role in MAY_IMPORT)
    assert (f'href="{reverse("admin:index")}"' in content) is False  # test users are not staff
    list_page = as_role(role).get(reverse("household-list")).content.decode()
    assert (reverse("household-export") in list_page) == (role in MAY_EXPORT)


@pytest.mark.parametrize("role", ROLES)
def test_import_is_forbidden_to_roles_without_it(as_role, registry, role):
    response = as_role(role).get(reverse("household-import"))
    assert response.status_code == (200 if role in MAY_IMPORT else 403)


@pytest.mark.parametrize("role", ROLES)
def test_export_is_forbidden_to_roles_without_it(as_role, registry, role):
    response = as_role(role).get(reverse("household-export"))
    if role not in MAY_EXPORT:
        assert response.status_code == 403
    else:
        assert response.status_code == 200


def test_login_wrong_password_message_is_chinese(client, users):
    response = client.post(reverse("login"), {"username": "so", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_then_home(client, users):
    response = client.post(
        reverse("login"), {"username": "so", "password": "pass-for-tests-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "中华街道" in response.content.decode()


def test_logout_is_a_post(as_role, registry):
    client = as_role("street_officer")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_language_switch_to_english(as_role, registry):
    client = as_role("street_officer")
    assert "家庭" in client.get(reverse("home")).content.decode()
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True
    )
    content = response.content.decode()
    assert 'lang="en"' in content
    assert "Households" in content


def test_static_assets_are_vendored(as_role, registry):
    content = as_role("street_officer").get(reverse("home")).content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in content
    assert "/static/web/safetynet.css" in content
    assert "http://" not in content.replace("http://www.w3.org", "")
    assert "https://" not in content


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("community_worker", True),
        ("street_officer", True),
        ("verification_operator", True),
        ("district_approver", False),
        ("city_admin", False),
        ("auditor", False),
    ],
)
def test_household_page_offers_verification_to_roles_that_operate_it(
    as_role, registry, role, offered
):
    page = as_role(role).get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    link = reverse("verification:request-open", args=[registry.zh1.pk])
    assert (link in page) is offered
