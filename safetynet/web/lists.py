"""The one list component every list screen uses (ADR 1021): sorting by a column, page numbers,
the text filter's value, and the division picker (district → street → community).

A view describes its columns, hands its selector's queryset (or list) to `list_page`, and renders
`web/partials/list_head.html` and `web/partials/pager.html` with the result. The sort is applied
here only as an `order_by` of the fields a column names: what may be sorted is the view's choice,
the rows (and their scope) are the selector's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from safetynet.accounts.models import User
from safetynet.registry import selectors as registry
from safetynet.registry.models import DivisionLevel

PAGE_SIZE = 50


@dataclass(frozen=True)
class Column:
    """A list column: its header, and the fields it sorts by (none: not sortable)."""

    label: Any
    sort: tuple[str, ...] = ()
    key: str = ""  # the `sort=` value in the URL; defaults to the first sort field
    num: bool = False  # right-aligned figures
    nulls_last: bool = False  # empty values last in both directions (e.g. a pending due date)

    @property
    def sort_key(self) -> str:
        return self.key or (self.sort[0].replace("__", "_") if self.sort else "")


@dataclass(frozen=True)
class Header:
    label: Any
    url: str  # "" when the column does not sort
    direction: str  # "ascending", "descending" or "" (aria-sort)
    num: bool


@dataclass
class ListPage:
    page: Page
    headers: list[Header]
    page_links: list[int | None]  # None is a gap ("…")
    querystring: str  # the filters and the sort, without the page: for pager and export links
    sort: str
    descending: bool
    extra: dict = field(default_factory=dict)

    @property
    def rows(self):
        return self.page.object_list

    def page_url(self, number: int) -> str:
        return f"?{self.querystring}&page={number}" if self.querystring else f"?page={number}"


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last, and `around` pages either side of the current."""
    wanted = {1, last, *range(current - around, current + around + 1)}
    out: list[int | None] = []
    previous = 0
    for n in sorted(p for p in wanted if 1 <= p <= last):
        if n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out


def _flip(field_name: str) -> str:
    """The descending of a sort field ("-birth_date" sorts "age": its descending is
    "birth_date")."""
    return field_name[1:] if field_name.startswith("-") else f"-{field_name}"


def list_page(
    params: QueryDict,
    rows,
    *,
    columns: list[Column],
    default_sort: str = "",
    page_size: int | None = None,
    count: int | None = None,
    sort_in_python: bool = False,
) -> ListPage:
    """Sort `rows` (a queryset: by the chosen column's fields, then by id so that pages are
    stable) and cut the requested page. `sort=-key` sorts descending. An unknown sort key is
    ignored (the default applies): a URL cannot order by an arbitrary field."""
    by_key = {c.sort_key: c for c in columns if c.sort}
    raw = params.get("sort") or default_sort
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in by_key:
        raw = default_sort
        descending, key = raw.startswith("-"), raw.lstrip("-")
    if key in by_key and hasattr(rows, "order_by"):
        column = by_key[key]
        if column.nulls_last:
            fields = [
                F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True)
                for f in column.sort
            ]
        else:
            fields = [_flip(f) if descending else f for f in column.sort]
        rows = rows.order_by(*fields, "-pk" if descending else "pk")
    elif key in by_key and sort_in_python:
        # rows built in Python (e.g. an audit trail merged from several tables): sorted by the
        # column's attributes, stably, so that equal keys keep the selector's order (ADR 1038)
        names = [f.lstrip("-").replace("__", ".") for f in by_key[key].sort]

        def sort_key(row):
            values = [attrgetter(n)(row) for n in names]
            return [(v is None, v if v is not None else "") for v in values]

        rows = sorted(rows, key=sort_key, reverse=descending)
    # (a list without `sort_in_python` is one the selector already sorted: its order is kept)
    paginator = Paginator(rows, page_size or PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a count the caller already knows (cached_property)
    page = paginator.get_page(params.get("page"))
    kept = params.copy()
    kept.pop("page", None)
    querystring = kept.urlencode()
    headers = []
    for c in columns:
        if not c.sort:
            headers.append(Header(c.label, "", "", c.num))
            continue
        here = c.sort_key == key
        q = kept.copy()
        q["sort"] = f"-{c.sort_key}" if here and not descending else c.sort_key
        direction = ("descending" if descending else "ascending") if here else ""
        headers.append(Header(c.label, "?" + q.urlencode(), direction, c.num))
    return ListPage(
        page=page,
        headers=headers,
        page_links=page_numbers(page.number, paginator.num_pages),
        querystring=querystring,
        sort=key,
        descending=descending,
    )


# --------------------------------------------------------------------------------------------------
# The division picker: one select per level below the actor's jurisdiction, each listing the
# children of the level above. Without JavaScript the form is submitted after each choice and the
# next select is filled by the server; division-picker.js fills it at once from the
# `division-children` JSON view.

PICKER_LEVELS = (
    ("district", DivisionLevel.DISTRICT, _("Urban district")),
    ("street", DivisionLevel.STREET, _("Street / town")),
    ("community", DivisionLevel.COMMUNITY, _("Community / village")),
)


@dataclass(frozen=True)
class PickerLevel:
    name: str  # the GET parameter
    label: Any
    options: list[tuple[str, str]]  # (code, name)
    selected: str


@dataclass(frozen=True)
class DivisionPicker:
    levels: list[PickerLevel]
    code: str  # the deepest consistent choice, "" for the whole jurisdiction

    @property
    def hidden(self) -> bool:
        return not self.levels


def division_children(*, actor: User, parent: str | None) -> list[tuple[str, str]]:
    """Current divisions directly under `parent` (or the actor's own top level), in the actor's
    jurisdiction, by code."""
    visible = registry.divisions_visible_to(actor).filter(valid_to__isnull=True)
    if parent:
        visible = visible.filter(parent_id=parent)
    else:
        top = actor.jurisdiction if actor.jurisdiction_id else None
        if top is None:
            visible = visible.filter(level=DivisionLevel.DISTRICT)
        else:
            visible = visible.filter(parent_id=top.code)
    return list(visible.order_by("code").values_list("code", "name"))


def division_picker(*, actor: User, params: QueryDict) -> DivisionPicker:
    """The picker's levels for this request. A level's choice counts only when it is a child of
    the level above (a district changed without JavaScript drops the old street); a bare
    `division=<code>` (links from the home page, older bookmarks) preselects its whole path."""
    own_level = actor.jurisdiction.level if actor.jurisdiction_id else DivisionLevel.CITY
    order = [DivisionLevel.CITY, *(level for _name, level, _label in PICKER_LEVELS)]
    start = order.index(own_level) + 1 if own_level in order else len(order)
    wanted = {name: (params.get(name) or "").strip() for name, _level, _label in PICKER_LEVELS}
    legacy = (params.get("division") or "").strip()
    city = len(legacy) == 6 and legacy.endswith("00")  # a city code: no filter
    if legacy and not city and not any(wanted.values()) and len(legacy) in (6, 9, 12):
        wanted["district"] = legacy[:6]
        wanted["street"] = legacy[:9] if len(legacy) >= 9 else ""
        wanted["community"] = legacy if len(legacy) == 12 else ""
    levels: list[PickerLevel] = []
    parent: str | None = None
    code = ""
    for name, level, label in PICKER_LEVELS:
        if order.index(level) < start:
            continue
        # Every level below the jurisdiction has its select; one whose parent is not chosen
        # yet is empty (disabled), so that the script has a place to fill.
        options = division_children(actor=actor, parent=parent) if (parent or not levels) else []
        selected = wanted[name] if wanted[name] in dict(options) else ""
        levels.append(PickerLevel(name, label, options, selected))
        parent = selected or None
        code = selected or code
    return DivisionPicker(levels=levels, code=code)
