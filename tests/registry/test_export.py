"""Excel export: scoped to the actor, masked ID numbers by default, Chinese headers, commands."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from safetynet.core.errors import ServiceError
from safetynet.registry import services as svc
from safetynet.registry.exporters import households_export, persons_export, queryset_to_xlsx
from safetynet.registry.ids import mask_id_number
from safetynet.registry.importers import household_roster_import
from safetynet.registry.models import Household, Person
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2
from tests.helpers.roster import xlsx


def sheet(data: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def city(family, make_id, users):
    """Two households in 中华 community 1 (one on dibao), one in community 2, one in 湖里."""
    cw, so, huli = users["community_worker"], users["street_officer"], users["huli_officer"]
    rows = family("Z1") + family("Z2")
    rows[0].update(
        {"救助类别": "低保", "类别起始日期": "2020-01-01", "认定依据": "厦民〔2016〕1号"}
    )
    household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    c2 = family("Z3")
    for r in c2:
        r["所属社区代码"] = ZHONGHUA_C2 if r["所属社区代码"] else None
    household_roster_import(actor=so, file=xlsx(c2), filename="b.xlsx")
    h = family("H1")
    for r in h:
        r["所属社区代码"] = HULI_C1 if r["所属社区代码"] else None
        r["身份证号"] = make_id("19950101", region="350206")
    household_roster_import(actor=huli, file=xlsx(h), filename="c.xlsx")
    return users


def test_queryset_to_xlsx_writes_headers_dates_and_blanks():
    data = queryset_to_xlsx(
        rows=iter([("a", dt.date(2020, 1, 2), None), ("b", None, 3)]),
        headers=[("名称", 10), "日期", "数"],
    )
    rows = sheet(data)
    assert rows[0] == ("名称", "日期", "数")
    assert rows[1][:2] == ("a", dt.datetime(2020, 1, 2))
    assert rows[2] == ("b", None, 3)


def test_households_export_is_scoped_and_masked(city):
    rows = sheet(households_export(actor=city["community_worker"]))
    assert rows[0] == (
        "户号",
        "所属社区代码",
        "所属社区",
        "所属街道（镇）",
        "地址",
        "是否农村",
        "户主姓名",
        "户主身份证号",
        "人数",
        "救助类别",
    )
    assert [r[0] for r in rows[1:]] == ["Z1", "Z2"]
    z1 = rows[1]
    head = Person.objects.get(memberships__household__number="Z1", memberships__relation="head")
    assert z1[1:4] == (ZHONGHUA_C1, "测试一社区", "中华街道")
    assert z1[6:10] == ("张三", mask_id_number(head.id_number), 3, "低保")
    assert not rows[2][9]
    street = sheet(households_export(actor=city["street_officer"]))
    assert [r[0] for r in street[1:]] == ["Z1", "Z2", "Z3"]
    city_rows = sheet(households_export(actor=city["city_admin"]))
    assert [r[0] for r in city_rows[1:]] == ["Z1", "Z2", "Z3", "H1"]
    assert [r[0] for r in sheet(households_export(actor=city["huli_officer"]))[1:]] == ["H1"]


def test_households_export_filters(city):
    admin = city["city_admin"]
    by = lambda **f: [r[0] for r in sheet(households_export(actor=admin, filters=f))[1:]]  # noqa: E731
    assert by(division=ZHONGHUA_C2) == ["Z3"]
    assert by(division="350203") == ["Z1", "Z2", "Z3"]
    assert by(category="dibao") == ["Z1"]
    assert by(q="Z2") == ["Z2"]
    assert by(q="李四", division="350206") == ["H1"]
    with pytest.raises(TypeError):
        households_export(actor=admin, filters={"colour": "red"})


@pytest.mark.parametrize(
    "role", ["community_worker", "street_officer", "district_approver", "city_admin", "auditor"]
)
def test_exports_mask_id_numbers_for_every_role(city, role):
    """ADR 0002: an export is a list; even roles that see whole numbers on a person page get
    them masked (the service has no way to ask for whole numbers)."""
    head = Person.objects.get(memberships__household__number="Z1", memberships__relation="head")
    user = city[role]
    households = sheet(households_export(actor=user))
    persons = sheet(persons_export(actor=user))
    assert head.id_number not in {c for row in households + persons for c in row}
    assert mask_id_number(head.id_number) in {r[0] for r in persons}
    assert mask_id_number(head.id_number) in {r[7] for r in households}


def test_verification_operator_may_not_export(city):
    for export in (households_export, persons_export):
        with pytest.raises(ServiceError) as err:
            export(actor=city["verification_operator"])
        assert err.value.code == "not_permitted"


@pytest.mark.parametrize("persons", [False, True])
def test_cli_export_applies_the_web_rule(city, tmp_path, persons):
    """The CLI export (--as USER) masks like the web for a role that sees whole numbers on a
    person page, refuses --full-ids for every role, and refuses the verification operator
    (who may not export on the web) without touching --out."""
    head = Person.objects.get(memberships__household__number="Z1", memberships__relation="head")
    out = tmp_path / "out.xlsx"
    extra = ["--persons"] if persons else []
    call_command("export_households", "--as", "cw", "--out", str(out), *extra)
    cells = {c for row in sheet(out.read_bytes()) for c in row}
    assert head.id_number not in cells and mask_id_number(head.id_number) in cells
    for username in ("cw", "vo", "au"):
        with pytest.raises(CommandError, match="full_ids_forbidden"):
            call_command("export_households", "--as", username, "--out", str(out), "--full-ids")
    out.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="not_permitted") as err:
        call_command("export_households", "--as", "vo", "--out", str(out), *extra)
    assert err.value.returncode == 1
    assert out.read_bytes() == b"keep me"


def test_persons_export(city):
    rows = sheet(persons_export(actor=city["community_worker"]))
    assert rows[0][:3] == ("身份证号", "姓名", "性别")
    assert len(rows) == 1 + 6
    spouse = next(r for r in rows if r[7] == "Z1" and r[8] == "配偶")
    assert spouse[1:3] == ("李四", "男")
    assert spouse[9:11] == (2, "肢体")
    head = next(r for r in rows if r[7] == "Z1" and r[8] == "户主")
    assert head[12] == "低保"
    assert isinstance(head[3], dt.datetime)
    dibao = sheet(persons_export(actor=city["city_admin"], filters={"category": "dibao"}))
    assert len(dibao) == 2
    p = Person.objects.get(memberships__household__number="Z2", memberships__relation="child")
    svc.person_record_death(
        actor=city["community_worker"], person=p, death_date=dt.date(2020, 1, 1)
    )
    dead = sheet(persons_export(actor=city["community_worker"], filters={"alive": False}))
    assert [r[1] for r in dead[1:]] == ["张小"] and dead[1][11] == dt.datetime(2020, 1, 1)


def test_commands_import_and_export(family, city, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx(family("Z9")))
    call_command("import_households", str(path), "--as", "cw")
    assert Household.objects.filter(number="Z9").exists()
    with pytest.raises(CommandError):
        call_command("import_households", str(path), "--as", "cw")  # already imported
    assert "户号" in capsys.readouterr().err
    out = tmp_path / "out.xlsx"
    call_command("export_households", "--as", "so", "--out", str(out), "--division", ZHONGHUA_C1)
    assert [r[0] for r in sheet(out.read_bytes())[1:]] == ["Z1", "Z2", "Z9"]
    call_command("export_households", "--as", "so", "--out", str(out), "--persons")
    assert len(sheet(out.read_bytes())) == 1 + 12
    with pytest.raises(CommandError):
        call_command("export_households", "--as", "so", "--out", str(out), "--division", HULI_C1)
    with pytest.raises(CommandError):
        call_command("export_households", "--as", "au", "--out", str(out), "--full-ids")
    with pytest.raises(CommandError):
        call_command("import_households", str(path), "--as", "nobody")


def test_exports_with_a_text_filter_hold_every_match(city, monkeypatch):
    """ADR 1031: a search in a list stops at the cap; its export holds every matching row."""
    from safetynet.registry import selectors

    monkeypatch.setattr(selectors, "SEARCH_CAP", 1)
    admin = city["city_admin"]
    assert selectors.household_listing(actor=admin, q="张").truncated  # the screen's search
    rows = sheet(households_export(actor=admin, filters={"q": "张"}))
    assert [r[0] for r in rows[1:]] == ["Z1", "Z2", "Z3", "H1"]
    rows = sheet(households_export(actor=admin, filters={"q": "张", "division": "350203"}))
    assert [r[0] for r in rows[1:]] == ["Z1", "Z2", "Z3"]
    assert [r[0] for r in sheet(households_export(actor=admin, filters={"q": "Z3"}))[1:]] == ["Z3"]
    names = [r[1] for r in sheet(persons_export(actor=admin, filters={"q": "张"}))[1:]]
    assert sorted(names) == ["张三"] * 4 + ["张小"] * 4  # prefix 张: the heads and the children
    cw = city["community_worker"]  # still scoped to the jurisdiction
    rows = sheet(households_export(actor=cw, filters={"q": "张"}))
    assert [r[0] for r in rows[1:]] == ["Z1", "Z2"]
