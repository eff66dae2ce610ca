"""Shared fixtures: the division table, a few synthetic communities, one user per role, a tiny
registry across two districts (tests/helpers/city.py), and factories of ID numbers, persons,
households and roster rows."""

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from stdnum.cn import ric

from safetynet.accounts.models import Role, User
from safetynet.registry import services as svc
from safetynet.registry.models import Division, DivisionLevel, Household, Person
from safetynet.registry.services import division_table_load
from tests.helpers.city import (
    HULI_C1,
    HULI_STREET,
    ZHONGHUA,
    ZHONGHUA_C1,
    ZHONGHUA_C2,
    Registry,
    build_registry,
    make_user,
)

pytest_plugins = ["tests.browser"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Home counts and workbench counts are cached per jurisdiction (ADR 0820, 1000): a test
    # must not see the numbers an earlier test's data left behind.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _overlay_source():
    """The policy app's overlay source (approved parameter changes, ADR 1400) reads the
    database: off by default, so module- and session-scoped fixtures (a generated city, a batch
    run) and tests without database access compute with the shipped tree."""
    from safetynet.rules.overlay import overlay_source, set_overlay_source

    saved = overlay_source()
    set_overlay_source(None)
    yield saved
    set_overlay_source(saved)


@pytest.fixture(autouse=True)
def _approved_changes_for_database_tests(request, _overlay_source):
    """A test with database access computes with the approved changes, as the product does."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    from safetynet.rules.overlay import set_overlay_source

    set_overlay_source(_overlay_source)
    yield
    set_overlay_source(None)


@pytest.fixture
def divisions(db) -> dict[str, Division]:
    division_table_load()
    for code, parent, name in [
        (ZHONGHUA_C1, ZHONGHUA, "测试一社区"),
        (ZHONGHUA_C2, ZHONGHUA, "测试二社区"),
        (HULI_C1, HULI_STREET, "测试三社区"),
    ]:
        Division.objects.create(
            code=code,
            name=name,
            level=DivisionLevel.COMMUNITY,
            parent_id=parent,
            is_synthetic=True,
            valid_from=dt.date(2016, 1, 1),
            table_version="test",
        )
    return {d.code: d for d in Division.objects.all()}


@pytest.fixture
def users(divisions) -> dict[str, User]:
    """One user per role; the street officer is 中华街道's, the district approver 思明区's."""
    return {
        "community_worker": make_user("cw", Role.COMMUNITY_WORKER, ZHONGHUA_C1),
        "street_officer": make_user("so", Role.STREET_OFFICER, ZHONGHUA),
        "district_approver": make_user("da", Role.DISTRICT_APPROVER, "350203"),
        "city_admin": make_user("ca", Role.CITY_ADMIN, "350200"),
        "verification_operator": make_user("vo", Role.VERIFICATION_OPERATOR, "350200"),
        "auditor": make_user("au", Role.AUDITOR, "350200"),
        "huli_officer": make_user("hso", Role.STREET_OFFICER, HULI_STREET),
    }


@pytest.fixture
def registry(divisions) -> Registry:
    """ZH1 (3 members) and ZH2 in 中华街道, HL1 (2 members, one deceased) in 湖里街道."""
    return build_registry()


# ------------------------------------------------------------------ registry factories: valid ID
# numbers (a fresh sequence per test, no module-level counter), persons and households made
# through the services, and Excel roster rows.


@pytest.fixture
def make_id():
    """make_id(birth="YYYYMMDD", region="350203", sex="M"): a valid ID number, different at each
    call within the test (sex by the parity of the 17th digit)."""
    seq = itertools.count(100)

    def make(birth: str = "19900101", region: str = "350203", sex: str = "M") -> str:
        while True:
            body = f"{region}{birth}{next(seq) % 1000:03d}"
            if (int(body[16]) % 2 == 1) == (sex == "M"):
                return body + ric.calc_check_digit(body + "0")

    return make


@pytest.fixture
def new_person(make_id):
    """new_person(actor, *, division=ZHONGHUA_C1, name="张三", **kw): person_create."""

    def make(actor, *, division=ZHONGHUA_C1, name="张三", **kw) -> Person:
        kw.setdefault("id_number", make_id())
        return svc.person_create(actor=actor, name=name, hukou_division=division, **kw)

    return make


@pytest.fixture
def new_household(new_person):
    """new_household(actor, *, division=ZHONGHUA_C1, members=(relation, …), **kw): a head and
    one member per relation, through the services."""

    def make(actor, *, division=ZHONGHUA_C1, members=(), **kw) -> Household:
        head = new_person(actor, division=division, name="户主")
        hh = svc.household_create(
            actor=actor, division=division, head=head, start_date=dt.date(2020, 1, 1), **kw
        )
        for relation in members:
            p = new_person(actor, division=division, name=f"成员{relation}")
            svc.household_add_member(
                actor=actor,
                household=hh,
                person=p,
                relation=relation,
                start_date=dt.date(2020, 1, 1),
            )
        return hh

    return make


@pytest.fixture
def cw(users):
    return users["community_worker"]


@pytest.fixture
def member(make_id):
    """member(number="H001", relation="户主", **cells): one roster row (header -> value)."""

    def make(number="H001", relation="户主", **kw) -> dict:
        row = {
            "户号": number,
            "所属社区代码": ZHONGHUA_C1,
            "身份证号": make_id(),
            "姓名": "张三",
            "与户主关系": relation,
        }
        row.update(kw)
        return row

    return make


@pytest.fixture
def family(member, make_id):
    """family(number="H001", **head_cells): the rows of a household of three."""

    def make(number="H001", **head_kw) -> list[dict]:
        return [
            member(number, "户主", 地址="中华路1号", 是否农村="否", **head_kw),
            member(number, "配偶", 所属社区代码=None, 姓名="李四", 残疾等级=2, 残疾类别="肢体"),
            member(number, "子女", 所属社区代码=None, 姓名="张小", 身份证号=make_id("20100505")),
        ]

    return make


@pytest.fixture(scope="session")
def spark_cluster():
    """One Spark standalone cluster for the session (a master and a worker on loopback, 1 GB
    executors, the driver's default result limit); stopped, with its directories, at the end."""
    import shutil

    from tests.helpers.spark_cluster import StandaloneCluster

    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime")
    cluster = StandaloneCluster(workers=1, cores=1, memory="1g", executor_memory="1g")
    try:
        cluster.start()
        cluster.use()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def _spark_runs_on_the_cluster(request):
    """Every test marked `spark` runs its jobs on the standalone cluster, not in local mode."""
    if request.node.get_closest_marker("spark") is not None:
        request.getfixturevalue("spark_cluster")
