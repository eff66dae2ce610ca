"""Role × service: every write service, the importer and the exporters, called directly as each
role, on a record inside and outside the caller's jurisdiction (ADR 0720).

The expected table is written out here from docs/ui.md (not read from the code's map), so a change
to the map that the documentation does not make fails this test.
"""

import datetime as dt
import io
import itertools
from dataclasses import dataclass

import openpyxl
import pytest
from stdnum.cn import ric

from safetynet.accounts.models import Role, User
from safetynet.accounts.permissions import ABILITIES, abilities_of
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.registry import exporters, importers
from safetynet.registry import services as svc
from safetynet.registry.models import Enrolment, Household, Membership, Person
from tests.helpers.city import HULI_C1, ZHONGHUA_C1

pytestmark = pytest.mark.django_db

C, S, D, A, V, AU = (
    "community_worker",
    "street_officer",
    "district_approver",
    "city_admin",
    "verification_operator",
    "auditor",
)
WRITERS = {C, S, A}
# service -> roles that may call it (docs/ui.md "What each role sees").
MAY = {
    "person_create": WRITERS,
    "person_update": WRITERS,
    "person_record_death": WRITERS,
    "household_create": WRITERS,
    "household_add_member": WRITERS,
    "household_change_head": WRITERS,
    "membership_move": WRITERS,
    "enrolment_add": {C, S, D, A},
    "enrolment_end": {C, S, D, A},
    "household_roster_import": WRITERS,
    "household_template_workbook": WRITERS,
    "households_export": {C, S, D, A, AU},
    "persons_export": {C, S, D, A, AU},
}
# Where each test user works: a community inside, and one outside (None: the city has no outside).
PLACES = {
    C: (ZHONGHUA_C1, HULI_C1),
    S: (ZHONGHUA_C1, HULI_C1),
    D: (ZHONGHUA_C1, HULI_C1),
    A: (HULI_C1, None),
    V: (ZHONGHUA_C1, None),
    AU: (HULI_C1, None),
    "huli_officer": (HULI_C1, ZHONGHUA_C1),
}
ROLE_OF = {"huli_officer": S}


@dataclass
class World:
    """Records in one community, made directly (no service, so no permission involved)."""

    division: str
    loner: Person  # registered here, in no household
    household: Household  # head + member
    head: Person
    member: Person
    other: Household  # another household (a move's destination)
    enrolment: Enrolment  # the member's, open
    new_id: str  # a valid, unregistered ID number of this district


@pytest.fixture
def build(divisions):
    seq = itertools.count(1)

    def make_id(region: str) -> str:
        body = f"{region}19800101{next(seq):03d}"
        return body + ric.calc_check_digit(body + "0")

    def person(division, name) -> Person:
        number = make_id(division[:6])
        return Person.objects.create(
            id_number=number,
            name=name,
            sex="M" if int(number[16]) % 2 else "F",
            birth_date=dt.date(1980, 1, 1),
            hukou_division_id=division,
        )

    def household(division, members) -> Household:
        hh = Household.objects.create(number=f"T{next(seq):05d}", division_id=division)
        for p, relation in members:
            Membership.objects.create(
                person=p, household=hh, relation=relation, start_date=dt.date(2015, 1, 1)
            )
        return hh

    def world(division: str) -> World:
        head, member = person(division, "户主"), person(division, "成员")
        hh = household(division, [(head, "head"), (member, "child")])
        other = household(division, [(person(division, "他户主"), "head")])
        enrolment = Enrolment.objects.create(
            person=member,
            household=hh,
            category="dibao",
            start_date=dt.date(2018, 1, 1),
            legal_basis="测试",
        )
        new_id = make_id(division[:6])
        return World(division, person(division, "独居"), hh, head, member, other, enrolment, new_id)

    return world


def roster(world: World) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = importers.DATA_SHEET
    headers = [c.header for c in importers.COLUMNS]
    ws.append(headers)
    row = {"户号": "NEW-1", "所属社区代码": world.division, "身份证号": world.new_id}
    row |= {"姓名": "新户主", "与户主关系": "户主"}
    ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def call(service: str, actor: User, w: World):
    """Call `service` as `actor` on world `w`; return something to check success by."""
    today = dt.date(2020, 6, 1)
    if service == "person_create":
        return svc.person_create(
            actor=actor, id_number=w.new_id, name="新人", hukou_division=w.division
        )
    if service == "person_update":
        return svc.person_update(actor=actor, person=w.loner, name="改名")
    if service == "person_record_death":
        return svc.person_record_death(actor=actor, person=w.loner, death_date=today)
    if service == "household_create":
        return svc.household_create(actor=actor, division=w.division, head=w.loner)
    if service == "household_add_member":
        return svc.household_add_member(
            actor=actor, household=w.household, person=w.loner, relation="other"
        )
    if service == "household_change_head":
        return svc.household_change_head(
            actor=actor, household=w.household, new_head=w.member, old_head_relation="parent"
        )
    if service == "membership_move":
        return svc.membership_move(
            actor=actor, person=w.member, to_household=w.other, relation="child", date=today
        )
    if service == "enrolment_add":
        return svc.enrolment_add(
            actor=actor,
            person=w.head,
            category="tekun",
            start_date=dt.date(2020, 1, 1),
            legal_basis="测试",
        )
    if service == "enrolment_end":
        return svc.enrolment_end(actor=actor, enrolment=w.enrolment, end_date=today)
    if service == "household_roster_import":
        return importers.household_roster_import(
            actor=actor, file=roster(w), filename="roster.xlsx"
        )
    if service == "household_template_workbook":
        return importers.household_template_workbook(actor=actor)
    if service == "households_export":
        data = exporters.households_export(actor=actor)
        return {
            r[0]
            for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        }
    if service == "persons_export":
        data = exporters.persons_export(actor=actor)
        return {
            r[1]
            for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        }
    raise AssertionError(service)


def _cases():
    for user_key, (_inside, outside) in PLACES.items():
        for service in MAY:
            yield pytest.param(user_key, service, "inside", id=f"{user_key}-{service}-inside")
            if outside is not None and service != "household_template_workbook":
                yield pytest.param(user_key, service, "outside", id=f"{user_key}-{service}-outside")


def snapshot() -> tuple:
    return tuple(m.objects.count() for m in (Person, Household, Membership, Enrolment)) + tuple(
        m.history.count() for m in (Person, Household, Membership, Enrolment)
    )


@pytest.mark.parametrize(("user_key", "service", "where"), list(_cases()))
def test_role_by_service(users, build, user_key, service, where):
    actor = users[user_key]
    role = ROLE_OF.get(user_key, user_key)
    inside, outside = PLACES[user_key]
    w = build(inside if where == "inside" else outside)
    before = snapshot()
    if role not in MAY[service]:
        with pytest.raises(ServiceError) as err:
            call(service, actor, w)
        assert err.value.code == "not_permitted", err.value.message
        assert str(Role(role).label) in err.value.message  # a clear message naming the role
        assert snapshot() == before  # nothing written
        return
    if where == "inside":
        result = call(service, actor, w)
        assert result is not None
        if service == "households_export":
            assert w.household.number in result
        if service == "persons_export":
            assert w.member.name in result
        if service not in ("household_template_workbook", "households_export", "persons_export"):
            assert snapshot() != before  # something was written
        return
    # allowed role, record outside the jurisdiction: not found (or, for the lists, not there)
    if service == "households_export":
        assert w.household.number not in call(service, actor, w)
    elif service == "persons_export":
        assert w.member.name not in call(service, actor, w)
    elif service == "household_roster_import":
        with pytest.raises(importers.ImportRejected) as err:
            call(service, actor, w)
        assert {p.code for p in err.value.problems} == {"division_out_of_scope"}
    else:
        with pytest.raises(NotFoundError):
            call(service, actor, w)
    assert snapshot() == before


@pytest.mark.parametrize("user_key", list(PLACES))
def test_views_templates_api_and_services_share_one_map(users, user_key):
    """`has_perm` (views, templates, /api/me/) answers from the same table as the services."""
    user = users[user_key]
    role = ROLE_OF.get(user_key, user_key)
    for ability, roles in ABILITIES.items():
        assert user.has_perm(ability) == (role in roles), ability
    assert abilities_of(user) == [a for a, roles in ABILITIES.items() if role in roles]


def test_every_ability_is_a_registered_permission_no_database_row_can_grant():
    import rules
    from django.contrib.auth.models import Permission

    for ability in ABILITIES:
        assert rules.perm_exists(ability), ability
        app, codename = ability.split(".")
        assert not Permission.objects.filter(
            content_type__app_label=app, codename=codename
        ).exists(), ability


def test_a_superuser_without_jurisdiction_writes_nothing(users, build):
    """ADR 0400: a superuser passes every ability, but the jurisdiction still scopes the record."""
    root = User.objects.create_superuser("root", password="pass-for-tests-1")
    w = build(ZHONGHUA_C1)
    with pytest.raises(NotFoundError):
        svc.person_update(actor=root, person=w.loner, name="x")


def test_no_jurisdiction_means_no_ability(users, build):
    user = users[C]
    user.jurisdiction = None
    w = build(ZHONGHUA_C1)
    with pytest.raises(ServiceError) as err:
        svc.person_update(actor=user, person=w.loner, name="x")
    assert err.value.code == "not_permitted"


@pytest.mark.parametrize("user_key", [D, V, AU])
def test_cli_import_as_a_reading_role_is_refused(users, build, tmp_path, user_key):
    from django.core.management import CommandError, call_command

    w = build(ZHONGHUA_C1)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster(w))
    before = snapshot()
    with pytest.raises(CommandError, match=r"\[not_permitted\]") as err:
        call_command("import_households", str(path), "--as", users[user_key].username)
    assert err.value.returncode == 1
    assert snapshot() == before
    call_command("import_households", str(path), "--as", users[C].username)
    assert Household.objects.filter(number="NEW-1").exists()


def test_api_shows_a_refusal_as_403_with_its_code():
    from safetynet.accounts.permissions import NotPermittedError
    from safetynet.api.errors import exception_handler

    response = exception_handler(NotPermittedError("registry.import_households", AU), {})
    assert response.status_code == 403
    assert response.data["code"] == "not_permitted"
    assert str(Role(AU).label) in response.data["message"]


def test_web_shows_a_service_refusal_as_the_403_page_with_its_message(rf, users):
    from django.core.exceptions import PermissionDenied

    from safetynet.web.views import refusals_as_403

    with pytest.raises(PermissionDenied) as err, refusals_as_403():
        exporters.households_export(actor=users[V])
    assert str(Role(V).label) in str(err.value)


@pytest.mark.parametrize("user_key", list(PLACES))
def test_api_me_lists_the_abilities_of_the_map(client, users, user_key):
    client.force_login(users[user_key])
    role = ROLE_OF.get(user_key, user_key)
    got = client.get("/api/me/").json()["permissions"]
    assert got == [a for a, roles in ABILITIES.items() if role in roles]
