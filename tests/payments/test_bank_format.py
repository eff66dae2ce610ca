"""The bank files' layout (docs/bank-files.md): exact amounts, header totals, formula
neutralisation, and the reader's refusals naming the row and field."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from safetynet.payments.bank_format import (
    BankFileFormatError,
    PaymentFile,
    PaymentRow,
    ResultFile,
    ResultRow,
    fen_to_yuan,
    read_payment_file,
    read_result_file,
    write_payment_file,
    write_result_file,
    yuan_to_fen,
)


def _payment() -> PaymentFile:
    f = PaymentFile("PR2020-06-ICBC-1", "2020-06", "ICBC", "中国工商银行", dt.date(2020, 7, 10))
    f.rows = [
        PaymentRow("6228000000000000001", "张三", "350203199001010011", 80_000, "L1A1"),
        PaymentRow("6228000000000000002", '=HYPERLINK("http://x","y")', "350203", 1, "L2A1"),
        PaymentRow("6228000000000000003", "李四", "350203199001010029", 123_456_789_01, "L3A1"),
    ]
    return f


def test_yuan_exact():
    assert fen_to_yuan(0) == "0.00"
    assert fen_to_yuan(5) == "0.05"
    assert fen_to_yuan(80_000) == "800.00"
    assert fen_to_yuan(123_456_789_01) == "123456789.01"
    for fen in (0, 1, 10, 99, 100, 101, 72_099, 10**15 - 1):
        assert yuan_to_fen(fen_to_yuan(fen)) == fen
    for bad in ("1.5", "1", "-1.00", "+1.00", "1e3", " 1.00", "01.00", "1.000", ""):
        with pytest.raises(ValueError):
            yuan_to_fen(bad)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_payment_file_round_trip_and_header(fmt):
    f = _payment()
    data = write_payment_file(f, fmt)
    back = read_payment_file(data)
    assert back.rows == f.rows
    assert back.count == 3
    # 800.00 + 0.01 + 123,456,789.01 yuan, by hand
    assert back.total_fen == 80_000 + 1 + 123_456_789_01 == 12_345_758_902


def test_csv_layout_by_hand():
    text = write_payment_file(_payment(), "csv").decode("utf-8")
    assert text.startswith("\ufeff格式,safetynet-bank-payment/1\r\n")
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[5] == "笔数,3"
    assert lines[6] == "总金额,123457589.02"
    assert lines[8] == ""
    assert lines[9] == "账号,户名,身份证号,金额,行参考号"
    assert lines[10] == "6228000000000000001,张三,350203199001010011,800.00,L1A1"


def test_xlsx_neutralises_formulas_and_keeps_amounts_text():
    data = write_payment_file(_payment(), "xlsx")
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows())
    name = rows[11][1]
    assert name.value == '=HYPERLINK("http://x","y")'
    assert name.data_type == "s" and name.quotePrefix
    amount = rows[10][3]
    assert amount.value == "800.00" and amount.data_type == "s"


def test_payment_header_total_checked():
    data = write_payment_file(_payment(), "csv").replace(b"123457589.02", b"123457589.03")
    with pytest.raises(BankFileFormatError) as e:
        read_payment_file(data)
    assert e.value.problems[0].field == "总金额"


def _result(rows) -> bytes:
    return write_result_file(
        ResultFile("PR2020-06-ICBC-1", "ICBC", dt.date(2020, 7, 11), rows), "csv"
    )


def test_result_file_round_trip():
    rows = [
        ResultRow("L1A1", "622", 80_000, "paid", "", dt.date(2020, 7, 11)),
        ResultRow("L2A1", "622", 1, "failed", "account_closed", dt.date(2020, 7, 11)),
    ]
    back = read_result_file(_result(rows))
    assert [(r.reference, r.outcome, r.reason, r.amount_fen, r.row) for r in back.rows] == [
        ("L1A1", "paid", "", 80_000, 8),
        ("L2A1", "failed", "account_closed", 1, 9),
    ]


@pytest.mark.parametrize(
    "cells, field, code",
    [
        ("L1A1,622,800,paid,,2020-07-11", "金额", "bad_amount"),
        ("L1A1,622,800.00,ok,,2020-07-11", "结果", "bad_outcome"),
        ("L1A1,622,800.00,failed,whatever,2020-07-11", "原因代码", "bad_reason"),
        ("L1A1,622,800.00,paid,,2020-13-11", "日期", "bad_date"),
        (",622,800.00,paid,,2020-07-11", "行参考号", "missing"),
    ],
)
def test_result_row_refused_with_row_and_field(cells, field, code):
    good = _result([ResultRow("L0A1", "622", 1, "paid", "", dt.date(2020, 7, 11))])
    data = good.replace(b"\r\nL0A1,", ("\r\n" + cells + "\r\nL0A1,").encode())
    data = data.replace("笔数,1".encode(), "笔数,2".encode())
    with pytest.raises(BankFileFormatError) as e:
        read_result_file(data)
    p = e.value.problems[0]
    assert (p.row, p.field, p.code) == (8, field, code)


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01garbage", b"PK\x03\x04broken", "格式,x\r\n".encode()]
)
def test_malformed_files_refused(content):
    with pytest.raises(BankFileFormatError):
        read_result_file(content)
