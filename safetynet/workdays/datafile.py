"""The bureau's calendar data files: one year's official arrangement, as YAML.

One file per year, ``<folder>/<year>.yaml`` (any ``*.yaml``/``*.yml`` name is read)::

    year: 2027
    reference: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）
    holidays:                 # the holiday periods, weekend days inside them included or not
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - {name: 清明节, from: 2027-04-05}          # one day: ``to`` may be left out
    workdays:                 # adjusted working days (调休上班), always a Saturday or Sunday
      - {date: 2027-02-20, name: 春节}

The file is the whole arrangement of its year: it replaces what the ``chinesecalendar`` package
says about that year, or makes a year known that the package does not know. Every date must lie
in the file's year. Validation errors name the file, the line and the problem
(``2027.yaml:7: holidays[1].to: 2027-02-30 is not a date YYYY-MM-DD``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .calendar import BAD_FILE, CalendarError, YearArrangement

_YEAR_RE = re.compile(r"^\d{4}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _File:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, node: yaml.Node | None, problem: str) -> CalendarError:
        line = node.start_mark.line + 1 if node is not None else 1
        return CalendarError(
            BAD_FILE, f"{self.path}:{line}: {problem}", path=str(self.path), line=line
        )

    def mapping(self, node: yaml.Node, what: str, allowed: set[str]) -> dict[str, tuple]:
        """{key: (key node, value node)} of a mapping node, refusing unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what}: expected a mapping")
        out: dict[str, tuple] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key not in allowed:
                raise self.fail(
                    k, f"{what}: unknown key {key!r}; expected {', '.join(sorted(allowed))}"
                )
            if key in out:
                raise self.fail(k, f"{what}: {key!r} given twice")
            out[key] = (k, v)
        return out

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what}: expected a non-empty text")
        return str(node.value).strip()

    def date(self, node: yaml.Node, what: str, year: int) -> dt.date:
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        try:
            if raw is None or not _DATE_RE.match(raw.strip()):
                raise ValueError
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise self.fail(node, f"{what}: {raw!r} is not a date YYYY-MM-DD") from None
        if day.year != year:
            raise self.fail(node, f"{what}: {day} is not in the file's year {year}")
        return day

    def seq(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{what}: expected a list")
        return list(node.value)


def load_file(path: Path | str) -> YearArrangement:
    """Load and validate one bureau file; raises CalendarError ``calendar_bad_file``."""
    f = _File(Path(path))
    try:
        text = f.path.read_text(encoding="utf-8")
    except OSError as e:
        raise CalendarError(
            BAD_FILE, f"{f.path}: cannot read: {e.strerror}", path=str(f.path)
        ) from None
    except UnicodeDecodeError:
        raise f.fail(None, "not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e)
        raise CalendarError(
            BAD_FILE, f"{f.path}:{line}: not valid YAML: {problem}", path=str(f.path), line=line
        ) from None
    if root is None:
        raise f.fail(None, "the file is empty; expected year, reference, holidays, workdays")
    top = f.mapping(root, "<file>", {"year", "reference", "holidays", "workdays"})
    for key in ("year", "reference", "holidays"):
        if key not in top:
            raise f.fail(root, f"missing {key!r}")
    year_node = top["year"][1]
    if not isinstance(year_node, yaml.ScalarNode) or not _YEAR_RE.match(str(year_node.value)):
        raise f.fail(year_node, f"year: expected a year YYYY, got {year_node.value!r}")
    year = int(year_node.value)
    if year < 1900:
        raise f.fail(year_node, f"year: {year} is before 1900")
    reference = f.text(top["reference"][1], "reference")

    holidays: dict[dt.date, tuple[str, int]] = {}  # day -> (name, line)
    names: dict[dt.date, str] = {}
    periods = f.seq(top["holidays"][1], "holidays")
    if not periods:
        raise f.fail(top["holidays"][1], "holidays: a year has at least one holiday period")
    for i, node in enumerate(periods):
        what = f"holidays[{i}]"
        m = f.mapping(node, what, {"name", "from", "to"})
        for key in ("name", "from"):
            if key not in m:
                raise f.fail(node, f"{what}: missing {key!r}")
        name = f.text(m["name"][1], f"{what}.name")
        first = f.date(m["from"][1], f"{what}.from", year)
        last = f.date(m["to"][1], f"{what}.to", year) if "to" in m else first
        if last < first:
            raise f.fail(m["to"][1], f"{what}.to: {last} is before from {first}")
        line = node.start_mark.line + 1
        day = first
        while day <= last:
            if day in holidays:
                other, other_line = holidays[day]
                raise f.fail(
                    node, f"{what}: {day} is already in holiday {other!r} (line {other_line})"
                )
            holidays[day] = (name, line)
            names[day] = name
            day += dt.timedelta(days=1)

    workdays: dict[dt.date, int] = {}
    for i, node in enumerate(f.seq(top["workdays"][1], "workdays") if "workdays" in top else []):
        what = f"workdays[{i}]"
        m = f.mapping(node, what, {"date", "name"})
        if "date" not in m:
            raise f.fail(node, f"{what}: missing 'date'")
        day = f.date(m["date"][1], f"{what}.date", year)
        if "name" in m:
            names[day] = f.text(m["name"][1], f"{what}.name")
        if day.weekday() < 5:
            raise f.fail(
                m["date"][1],
                f"{what}.date: {day} is a {_WEEKDAYS[day.weekday()]}; an adjusted working day "
                "is a Saturday or Sunday",
            )
        if day in holidays:
            other, other_line = holidays[day]
            raise f.fail(
                m["date"][1], f"{what}.date: {day} is in holiday {other!r} (line {other_line})"
            )
        if day in workdays:
            raise f.fail(m["date"][1], f"{what}.date: {day} is listed twice (line {workdays[day]})")
        workdays[day] = node.start_mark.line + 1

    return YearArrangement(
        year, f"{f.path} ({reference})", frozenset(holidays), frozenset(workdays), names
    )


def load_dir(folder: Path | str) -> list[YearArrangement]:
    """Every bureau file in ``folder`` (none if it does not exist), one per year."""
    folder = Path(folder)
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise CalendarError(
            BAD_FILE, f"{folder}: the calendar folder is not a directory", path=str(folder)
        )
    seen: dict[int, Path] = {}
    out = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        arrangement = load_file(path)
        if arrangement.year in seen:
            raise CalendarError(
                BAD_FILE,
                f"{path}:1: year {arrangement.year} is also given by {seen[arrangement.year]}",
                path=str(path),
                line=1,
            )
        seen[arrangement.year] = path
        out.append(arrangement)
    return out
