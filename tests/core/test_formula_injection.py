"""Every Excel output writes a text a spreadsheet would evaluate as plain quoted text, and our own
files round-trip it unchanged (ADR 0732)."""

import io

import openpyxl
import pytest
from openpyxl import Workbook

from safetynet.core.spreadsheet import is_formula_like, neutralise_workbook, safe_row
from safetynet.registry.exporters import households_export, persons_export, queryset_to_xlsx
from safetynet.registry.importers import DATA_SHEET, household_roster_import
from safetynet.registry.importers import household_template_workbook as template
from safetynet.registry.models import Household, Person
from safetynet.verification.sources.manual import export_request_file, read_exchange_file
from tests.helpers.city import ZHONGHUA_C1
from tests.helpers.roster import xlsx

ATTACKS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def cells(data: bytes, sheet=0):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def assert_text(cell, value):
    assert cell.value == value
    assert cell.data_type != "f", cell.coordinate
    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate


@pytest.mark.parametrize("value", ATTACKS)
def test_is_formula_like(value):
    assert is_formula_like(value)


@pytest.mark.parametrize("value", ["张三", "350203199001011234", "1=1", "", None, 5, "a-b"])
def test_ordinary_values_are_left_alone(value):
    assert not is_formula_like(value)


def test_the_person_export_writes_a_formula_name_as_text(users, family):
    cw = users["community_worker"]
    household_roster_import(actor=cw, file=xlsx(family("F1")), filename="a.xlsx")
    Person.objects.filter(name="张三").update(name=ATTACKS[0])
    Household.objects.filter(number="F1").update(address=ATTACKS[1])
    by_value = {c.value: c for c in cells(persons_export(actor=cw))}
    assert_text(by_value[ATTACKS[0]], ATTACKS[0])
    assert by_value["李四"].data_type == "s" and not by_value["李四"].quotePrefix
    hh = {c.value: c for c in cells(households_export(actor=cw))}
    assert_text(hh[ATTACKS[1]], ATTACKS[1])
    assert_text(hh[ATTACKS[0]], ATTACKS[0])  # the head's name


def test_queryset_to_xlsx_neutralises_every_attack():
    data = queryset_to_xlsx(rows=[ATTACKS, ["ok", 3, None, "x", "y", "z"]], headers=ATTACKS)
    written = cells(data)
    # (XML turns a carriage return into a line feed: "\r=1+1" reads back as "\n=1+1")
    expected = [a.replace("\r", "\n") for a in ATTACKS]
    assert [c.value for c in written[: 2 * len(ATTACKS)]] == expected * 2
    for cell in written[: 2 * len(ATTACKS)]:
        assert_text(cell, cell.value)
    assert [c.value for c in written[2 * len(ATTACKS) :]] == ["ok", 3, "x", "y", "z"]


def test_exchange_files_keep_a_formula_name_as_text_and_read_it_back():
    _name, content = export_request_file(
        source="tax",
        request_id="HD-2020-000001",
        id_numbers=["350203199001011234"],
        names=[ATTACKS[0]],
    )
    data = [c for c in cells(content, "核对请求") if c.value == ATTACKS[0]]
    assert data
    for c in data:
        assert_text(c, ATTACKS[0])
    assert read_exchange_file(filename="x.xlsx", content=content).people == [
        ("350203199001011234", ATTACKS[0])
    ]


def test_the_template_lists_community_names_as_text(users, divisions):
    divisions[ZHONGHUA_C1].name = "=1+1社区"
    divisions[ZHONGHUA_C1].save()
    [cell] = [
        c
        for c in cells(template(actor=users["community_worker"]), "社区代码")
        if "社区" in str(c.value) and c.value.startswith("=")
    ]
    assert_text(cell, "=1+1社区")


def test_a_filled_template_round_trips_without_a_prefix(users, family):
    """An office types `-3号楼` or `=A1` into our template (Excel stores it quoted): it is imported
    as typed, and exported as typed, as text."""
    cw = users["community_worker"]
    wb = openpyxl.load_workbook(io.BytesIO(template(actor=cw)))
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    for r in family("T1"):
        r["地址"] = "=A1+1" if r.get("地址") else None
        ws.append([r.get(h) for h in headers])
    neutralise_workbook(wb)  # as Excel would save typed text: quoted, not a formula
    buf = io.BytesIO()
    wb.save(buf)
    household_roster_import(actor=cw, file=buf.getvalue(), filename="t.xlsx")
    assert Household.objects.get(number="T1").address == "=A1+1"
    [cell] = [c for c in cells(households_export(actor=cw)) if c.value == "=A1+1"]
    assert_text(cell, "=A1+1")


def test_safe_row_and_neutralise_workbook_for_future_writers():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("bank")
    ws.append(safe_row(ws, ["622202*********1234", "=1+1", 100]))
    buf = io.BytesIO()
    wb.save(buf)
    [_, formula, amount] = cells(buf.getvalue())
    assert_text(formula, "=1+1")
    assert amount.value == 100 and amount.data_type == "n"
    wb = Workbook()
    wb.active.append(["=1+1", "fine"])
    assert neutralise_workbook(wb) == 1
    assert wb.active["A1"].data_type == "s"
