"""Manual sources: request file → the agency's answer → validated import, and every bad file."""

import io
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from safetynet.core.errors import ServiceError
from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.simulated.agencies.testing import city_index, small_city
from safetynet.verification.sources.catalog import SOURCES
from safetynet.verification.sources.manual import (
    DATA_SHEET,
    META_SHEET,
    ResponseFileError,
    export_request_file,
    fen_to_yuan,
    parse_response_file,
    yuan_to_fen,
)

RID = "VR-2020-000042"


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


def _people(city: Path, extract: str) -> tuple[list[str], list[str]]:
    """Two persons with records (one with several if any), and three without."""
    rows = pq.read_table(city / "agencies" / extract, columns=["id_number"]).column(0).to_pylist()
    counts: dict[str, int] = {}
    for i in rows:
        counts[i] = counts.get(i, 0) + 1
    with_many = sorted(counts, key=lambda i: -counts[i])[:1]
    with_one = [i for i, c in counts.items() if c == 1 and i not in with_many][:1]
    persons = pq.read_table(city / "persons.parquet", columns=["id_number", "name"]).to_pylist()
    names = {p["id_number"]: p["name"] for p in persons}
    without = [p["id_number"] for p in persons if p["id_number"] not in counts][:3]
    ids = with_many + with_one + without
    return ids, [names[i] for i in ids]


@pytest.fixture(scope="module", params=["tax", "securities"])
def exchange(request, city):
    code = request.param
    ids, names = _people(city, SOURCES[code].extract.split("/")[-1])
    filename, content = export_request_file(
        source=code, request_id=RID, id_numbers=ids, names=names
    )
    _, answer, count = answer_request_file(
        city=city_index(city), content=content, filename=filename
    )
    return {
        "code": code,
        "ids": ids,
        "names": names,
        "request": content,
        "filename": filename,
        "answer": answer,
        "count": count,
    }


def parse(ex, content: bytes, **kw) -> list[dict]:
    args = {
        "source": ex["code"],
        "request_id": RID,
        "filename": "answer.xlsx",
        "content": content,
    } | kw
    return parse_response_file(**args)


def edit(content: bytes, change) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    change(wb[DATA_SHEET], wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def col(ws, header_prefix: str) -> int:
    for cell in ws[1]:
        if str(cell.value).startswith(header_prefix):
            return cell.column
    raise KeyError(header_prefix)


def problems(exc: pytest.ExceptionInfo) -> set[tuple]:
    return {(p.row, p.field, p.code) for p in exc.value.problems}


def first_found_row(ws) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value == "有记录")


def test_request_file_layout(exchange):
    assert exchange["filename"] == f"{exchange['code']}_{RID}_request.xlsx"
    wb = load_workbook(io.BytesIO(exchange["request"]))
    ws = wb[DATA_SHEET]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["序号", "公民身份号码", "姓名", "查询结果"]
    assert any(h.endswith("（元）") for h in heads)
    assert [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)] == exchange["ids"]
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    assert wb.security.lockStructure
    values = {r[0]: r[1] for r in meta.iter_rows(values_only=True) if r[0] != "person"}
    assert values["source"] == exchange["code"] and values["request_id"] == RID


def test_round_trip_gives_the_extracts_records_exactly(exchange, city):
    records = parse(exchange, exchange["answer"], id_numbers=exchange["ids"])
    expected = city_index(city).lookup(exchange["code"], exchange["ids"])
    assert records == expected
    assert len(records) == exchange["count"] >= 2
    assert all(isinstance(v, int) for r in records for k, v in r.items() if k.endswith("_fen"))


def test_an_unanswered_request_file_is_refused(exchange):
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, exchange["request"])
    assert {p.code for p in exc.value.problems} == {"required"}
    assert {p.row for p in exc.value.problems} == set(range(2, 2 + len(exchange["ids"])))


def test_not_an_xlsx(exchange):
    for filename, content in (
        ("answer.xlsx", b"PK\x03\x04 broken"),
        ("answer.xlsx", b"hello"),
        ("answer.xlsx", b"<html><script>alert(1)</script></html>"),
    ):
        with pytest.raises(ResponseFileError) as exc:
            parse(exchange, content, filename=filename)
        assert isinstance(exc.value, ServiceError)
        assert problems(exc) == {(None, "file", "not_xlsx")}


def test_an_ordinary_workbook_is_not_an_exchange_file(exchange):
    buf = io.BytesIO()
    from openpyxl import Workbook

    Workbook().save(buf)
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, buf.getvalue())
    assert problems(exc) == {(None, "file", "not_exchange_file")}


def test_wrong_source_or_request(exchange):
    other = "securities" if exchange["code"] == "tax" else "tax"
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, exchange["answer"], source=other)
    assert problems(exc) == {(None, "source", "wrong_source")}
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, exchange["answer"], request_id="VR-2020-999999")
    assert problems(exc) == {(None, "request_id", "wrong_request")}


def test_an_id_number_not_in_the_request(exchange):
    stranger = "11010519491231002X"

    def change(ws, wb):
        ws.cell(3, 2).value = stranger

    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, edit(exchange["answer"], change))
    assert (3, "id_number", "unknown_id_number") in problems(exc)
    assert any(stranger in p.message for p in exc.value.problems)


def test_the_database_list_of_persons_wins(exchange):
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, exchange["answer"], id_numbers=exchange["ids"][1:])
    assert (2, "id_number", "unknown_id_number") in problems(exc)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (-5, "negative_amount"),
        ("-0.01", "negative_amount"),
        ("abc", "not_a_number"),
        ("12.345", "too_many_decimals"),
        (1.005, "too_many_decimals"),
        ("1e400", "amount_too_large"),
        ("nan", "not_a_number"),
    ],
)
def test_bad_amounts(exchange, value, code):
    money = next(f for f in SOURCES[exchange["code"]].fields if f.name.endswith("_fen"))

    def change(ws, wb):
        ws.cell(first_found_row(ws), col(ws, money.name_zh)).value = value

    content = edit(exchange["answer"], change)
    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, content)
    row = first_found_row(load_workbook(io.BytesIO(content))[DATA_SHEET])
    assert problems(exc) == {(row, money.name, code)}


@pytest.mark.parametrize("value", ["2020-13-01", "2020-02-30", "30/06/2020", "yesterday"])
def test_bad_dates(value):
    ex = {"code": "securities"}  # a securities answer filled by hand: its last column is a date
    _, content = export_request_file(
        source="securities", request_id=RID, id_numbers=["350203199001011232"], names=["张三"]
    )

    def change(ws, wb):
        for c, v in zip(
            range(4, 9), ["有记录", "兴业证券", "000000000003", "100.00", value], strict=True
        ):
            ws.cell(2, c).value = v

    with pytest.raises(ResponseFileError) as exc:
        parse(ex, edit(content, change))
    assert problems(exc) == {(2, "as_of", "bad_date")}


def test_a_hand_filled_answer_with_text_values(exchange):
    """What an office types: text amounts with separators, dates with slashes, Chinese labels."""
    _, content = export_request_file(
        source="tax",
        request_id=RID,
        id_numbers=["350203199001011232", "11010519491231002X"],
        names=["张三", "李四"],
    )

    def change(ws, wb):
        for c, v in zip(
            range(4, 9), ["有记录", "2019", "劳务报酬所得", "1,234.5", "12.34"], strict=True
        ):
            ws.cell(2, c).value = v
        ws.cell(3, 4).value = "无记录"

    records = parse({"code": "tax"}, edit(content, change))
    assert records == [
        {
            "id_number": "350203199001011232",
            "tax_year": 2019,
            "income_kind": "labour",
            "annual_income_fen": 123450,
            "tax_paid_fen": 1234,
        }
    ]


def test_missing_headers(exchange):
    money = next(f for f in SOURCES[exchange["code"]].fields if f.name.endswith("_fen"))

    def change(ws, wb):
        ws.cell(1, col(ws, money.name_zh)).value = "金额"
        ws.cell(1, 4).value = None

    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, edit(exchange["answer"], change))
    assert problems(exc) == {(1, money.name, "missing_header"), (1, "found", "missing_header")}


def test_every_person_must_be_answered_and_values_need_a_record(exchange):
    last_id = exchange["ids"][-1]

    def change(ws, wb):
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 2).value == last_id:
                for c in range(1, ws.max_column + 1):
                    ws.cell(r, c).value = None
        r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value == "无记录")
        ws.cell(r, 6).value = "7"
        ws.cell(first_found_row(ws), 4).value = "不知道"

    with pytest.raises(ResponseFileError) as exc:
        parse(exchange, edit(exchange["answer"], change))
    codes = {(p.field, p.code) for p in exc.value.problems}
    assert ("id_number", "missing_answer") in codes
    assert ("found", "bad_choice") in codes
    assert any(c == "value_without_record" for _, c in codes)
    assert all(p.row for p in exc.value.problems if p.code != "missing_answer")


def test_yuan_to_fen_is_exact():
    assert yuan_to_fen("0.1") == 10
    assert yuan_to_fen(1234.56) == 123456
    assert yuan_to_fen(0.29) == 29  # float(0.29) * 100 == 28.999999999999996
    assert yuan_to_fen("99999999999.99") == 9_999_999_999_999
    assert (
        yuan_to_fen(Decimal("7")) == 700
        and yuan_to_fen(12) == 1200
        and yuan_to_fen("¥1,000.00") == 100000
    )
    assert yuan_to_fen("12.300") == 1230
    for bad, code in (
        (True, "not_a_number"),
        ("", "not_a_number"),
        ("inf", "not_a_number"),
        ("1.001", "too_many_decimals"),
    ):
        with pytest.raises(ValueError, match=code):
            yuan_to_fen(bad)
    assert fen_to_yuan(123456) == Decimal("1234.56") and fen_to_yuan(5) == Decimal("0.05")


def test_agencies_answer_command(city, tmp_path, capsys):
    filename, content = export_request_file(
        source="securities",
        request_id=RID,
        id_numbers=_people(city, "securities.parquet")[0],
        names=[""] * 5,
    )
    request = tmp_path / filename
    request.write_bytes(content)
    out = tmp_path / "answer.xlsx"
    call_command(
        "agencies", "answer", "--city", str(city), "--request", str(request), "--out", str(out)
    )
    assert "record(s)" in capsys.readouterr().out
    assert parse({"code": "securities"}, out.read_bytes())
