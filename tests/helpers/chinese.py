"""What a person reads on a page, a PDF or a workbook, and the code-like tokens or English words in
it that a Chinese screen must not show (tests/web/test_chinese_everywhere.py, ADR 1010)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

# Words that are Chinese screens' own: product and format names, units and abbreviations a
# Chinese office writes in Latin letters. Keep it short: each entry is a decision.
ALLOWED_WORDS = {
    "PDF",
    "Excel",
    "xlsx",
    "CSV",
    "csv",
    "SafetyNet",  # the product's name in the top bar
    "English",  # the language switch names the other language in that language
    "API",
    "ID",
    "ECharts",
    "Swagger",
    "HDBG",  # report numbers (核对报告 HDBG-...)
    "No",  # "No." before a number on a document
    "Noto",
    "Sans",
    "CJK",
    "JSON",  # a format's name, on the trial calculation's advanced mode
}

_CJK = re.compile(r"[\u3400-\u9fff]")
# Tokens a developer would recognise and a caseworker would not.
_SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.-])")
_UPPER = re.compile(r"(?<![\w./-])[A-Z][A-Z0-9]*_[A-Z0-9_]+(?![\w/.-])")
_PY = re.compile(r"(?<![\w.])(?:True|False|None|nan|NaN|null)(?![\w.])")
# A division code alone where a name belongs (a code in brackets beside its name is fine).
_DIVISION = re.compile(r"(?<![\w*（(·-])35\d{4}(?:\d{3}){0,2}(?![\w*）)])")
_WORD = re.compile(r"(?<![\w@.:/-])[A-Za-z]{3,}(?![\w@/-])")
_MASKED_ID = re.compile(r"\d{6}\*{8}\d{3}[\dX]|\d{4}\*+\d{4}")
_URL = re.compile(r"https?://\S+|/[\w./?=&%-]+")
_EMAILISH = re.compile(r"\S+@\S+")


class _Text(HTMLParser):
    SKIP = {"script", "style", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        attrs = dict(attrs)
        # text a person reads without it being an element's content
        for name in ("placeholder", "title", "aria-label", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def html_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def pdf_text(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [
        line
        for page in PdfReader(io.BytesIO(content)).pages
        for line in page.extract_text().splitlines()
    ]


def xlsx_text(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    out: list[str] = [ws.title for ws in wb.worksheets]
    for ws in wb.worksheets:
        code_columns: set[int] = set()
        for row in ws.iter_rows(values_only=True):
            # a row with a cell headed …代码 is a header row: its column holds codes by design
            headed = {i for i, v in enumerate(row) if isinstance(v, str) and v.endswith("代码")}
            if headed:
                code_columns = headed
                out.extend(str(v) for v in row if isinstance(v, str))
                continue
            out.extend(
                str(v)
                for i, v in enumerate(row)
                if v is not None and not isinstance(v, (int, float)) and i not in code_columns
            )
    return out


def problems(lines: list[str], *, data: set[str] = frozenset()) -> list[str]:
    """Code-like tokens and English words in the text; `data` are strings that are the test
    city's own data (logins, household numbers), not the product's words."""
    found: list[str] = []
    for line in lines:
        text = line
        for d in sorted(data, key=len, reverse=True):  # whole words only ("au" is not in "bureau")
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(d)}(?![A-Za-z0-9_])", " ", text)
        text = _MASKED_ID.sub(" ", text)
        text = _URL.sub(" ", text)
        text = _EMAILISH.sub(" ", text)
        for rx, what in (
            (_SNAKE, "code"),
            (_UPPER, "code"),
            (_PY, "value"),
            (_DIVISION, "division code"),
        ):
            for m in rx.finditer(text):
                found.append(f"{what} {m.group(0)!r} in {line[:120]!r}")
            text = rx.sub(" ", text)  # one finding per token
        for m in _WORD.finditer(text):
            if m.group(0) not in ALLOWED_WORDS:
                found.append(f"English {m.group(0)!r} in {line[:120]!r}")
        for m in _WRONG.finditer(line):
            found.append(f"wrong word {m.group(0)!r} in {line[:120]!r}")
        for m in _HALF_COLON.finditer(line):
            found.append(f"half-width colon {m.group(0)!r} in {line[:120]!r}")
    return found


# The glossary's rejected words (docs/ui.md "Words on the screens"; issue 10): 户号 not 户编号,
# 家庭成员 not 户成员; and a half-width colon after Chinese text (a time such as 10:30 is fine).
_WRONG = re.compile(r"户编号|户成员")
_HALF_COLON = re.compile(r"[\u3400-\u9fff）]:(?!\d)")
