"""The one place that turns a code into the words a caseworker reads (ADR 1010).

Every screen, PDF and export that shows a stored code (a source, a finding kind, a relation, a
status, a reason, a program, a recipient category, a case step, a payment state, a role, a
division code, a boolean, a unit or a ratio) asks here; nothing else keeps a code → label
dictionary. Labels are translated lazily through Django's i18n (Simplified Chinese first,
English available): the msgids are English, the Chinese is in the catalogues, and the catalogues
that are bilingual data (the program catalogue, the verification sources) are read in the
active language.

Python::

    from safetynet.core import labels
    labels.label("source", "bank_abc")          # 中国农业银行
    labels.label("reason", "NO_ELIGIBLE_MEMBER")  # 无符合条件的家庭成员
    labels.yes_no(False)                         # 否
    labels.percent("0.035")                      # 3.5%
    labels.division_name("350203")               # 思明区

Templates (``{% load labels %}``)::

    {{ query.source|label:"source" }}  {{ household.is_rural|yes_no }}
    {{ code|division_name }}  {{ ratio|percent }}  {{ "fen"|label:"unit" }}

An unknown code comes back unchanged (never an exception on a page), and
``tests/core/test_labels.py`` checks that every code the models, the rules engine and the sources
can store has a label; ``tests/web/test_chinese_everywhere.py`` checks the rendered pages.

Kinds are stable names: add kinds and codes, never rename one (other branches use them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import get_language, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# ----------------------------------------------------------------------------- static maps
# Maps whose codes are not a model's choices. Every msgid here is English; the Chinese is in
# safetynet/locale/zh_Hans (the shared catalogue).

REASONS: dict[str, Any] = {
    # the rules engine's reason codes (safetynet.rules.programs), as a decision would word them
    "ELIGIBLE": _("Eligible"),
    "NOT_ALIVE": _("Deceased"),
    "NOT_REGISTERED": _("No household registration (hukou) in the city"),
    "NOT_RESIDENT": _("Not resident in the city"),
    "NOT_RURAL": _("Not a rural household"),
    "ORPHAN_BENEFITS_INSTEAD": _("An orphan: covered by the orphans' allowance instead"),
    "HAS_WORKING_CAPACITY": _("Has the capacity to work"),
    "INCOME_AT_OR_ABOVE_STANDARD": _(
        "Household income per person at or above the minimum living standard"
    ),
    "INCOME_AT_OR_ABOVE_LINE": _("Household income per person at or above the low-income line"),
    "NET_INCOME_AT_OR_ABOVE_LINE": _(
        "Household income per person after medical costs at or above the line"
    ),
    "NO_MEDICAL_EXPENDITURE": _("No out-of-pocket medical costs"),
    "ASSETS_ABOVE_LIMIT": _("Household assets above the limit"),
    "HAS_CAPABLE_SUPPORTER": _("Has a supporter able to support them by law"),
    "NOT_IN_PAYMENT_PERIOD": _("Not in the payment period"),
    "NO_LIVING_MEMBERS": _("No living member in the household"),
    "COVERED_BY_TEKUN": _("Every member is already supported as extremely poor"),
    "DIBAO_HOUSEHOLD_QUALIFIES": _("A dibao household: qualifies directly"),
    "NO_ELIGIBLE_MEMBER": _("No member of the household qualifies"),
    "CAPPED": _("Limited to the cap"),
    "DIED_OUTSIDE_XIAMEN": _("Died outside the city"),
    "EXCLUDED_KIND_DISABLED_SERVICEMAN": _("Disabled servicemen are covered by another scheme"),
    "HAS_OTHER_FUNERAL_SUBSIDY": _("Receives another funeral subsidy"),
    "NOT_COVERED": _("Not covered by the program"),
    "NOT_DEATH_MONTH": _("Not the month of death"),
    "NOT_DISABLED": _("No disability certificate"),
    "NOT_ENROLLED": _("Not enrolled in the category"),
    "NOT_ENTITLED_GROUP": _("Not in an entitled group"),
    "NOT_POOR_AND_NOT_SEVERE": _("Neither poor nor severely disabled"),
    "NOT_TRIGGERED": _("The price subsidy is not triggered this month"),
    "NO_REGULAR_PENSION": _("Receives no regular pension"),
    "NO_REQUEST": _("No request"),
    "UNDER_AGE": _("Under the age"),
}

BOOLEANS: dict[str, Any] = {"True": _("yes"), "False": _("no")}

UNITS: dict[str, Any] = {
    "fen": _("yuan"),
    "yuan": _("yuan"),
    "yuan_month": _("yuan/month"),
    "count": pgettext_lazy("unit", "items"),
    "persons": _("persons"),
    "months": _("months"),
    "years": _("years"),
    "days": _("days"),
    "working_days": _("working days"),
    "ratio": _("ratio"),
    "percent": "%",
}

# The verification's figures (report items, finding details): money per month unless said.
INCOME_ITEMS: dict[str, Any] = {
    "wage_fen": _("Wages (month)"),
    "business_fen": _("Business income (month)"),
    "pension_fen": _("Pension (month)"),
    "property_fen": _("Property income (month)"),
    "transfer_fen": _("Transfer income (month)"),
    "financial_assets_fen": _("Financial assets"),
    "vehicles": _("Motor vehicles"),
    "homes": _("Homes"),
    "businesses": _("Registered businesses"),
    "death": _("Death"),
    "counted_income_fen": _("Household counted income (month)"),
}

PARAMETER_STATUSES: dict[str, Any] = {
    "seed": _("Seed plan"),
    "published": _("Published"),
    "default-to-confirm": _("To confirm"),
}

HISTORY_KINDS: dict[str, Any] = {
    "household": _("Household"),
    "membership": _("Membership"),
    "enrolment": _("Enrolment"),
    "person": _("Person"),
}
HISTORY_ACTIONS: dict[str, Any] = {
    "created": _("created"),
    "changed": _("changed"),
    "deleted": _("deleted"),
}
# The change reasons the registry's services write (registry/services.py) and the loaders.
HISTORY_REASONS: dict[str, Any] = {
    "person_create": _("Person registered"),
    "person_update": _("Person details changed"),
    "person_record_death": _("Death recorded"),
    "household_create": _("Household created"),
    "household_add_member": _("Member added"),
    "household_change_head": _("Head of household changed"),
    "membership_move": _("Moved between households"),
    "enrolment_add": _("Enrolled in a category"),
    "enrolment_end": _("Enrolment ended"),
    "household_roster_import": _("Imported from an Excel roster"),
    "load city": _("Loaded with the city's data"),
    "load_city": _("Loaded with the city's data"),
}

# Batch engines (the verification's and the rules' batch jobs).
ENGINES: dict[str, Any] = {
    "duckdb": _("single-machine batch engine"),
    "spark": _("cluster batch engine"),
}

BANK_RETURN_REASONS: dict[str, Any] = {
    "account_closed": _("Account closed"),
    "name_mismatch": _("Name does not match the account"),
    "no_such_account": _("No such account"),
    "account_frozen": _("Account frozen"),
    "other": _("Other"),
}

CASE_STEPS: dict[str, Any] = {
    "investigation": _("Investigation"),
    "notice": _("Public notice"),
    "decision": _("Decision"),
    "refusal_notice": _("Refusal notice"),
    "total": _("Whole case"),
}

PAYROLL_STATUSES: dict[str, Any] = {
    "draft": pgettext_lazy("payroll status", "Draft"),
    "checked": pgettext_lazy("payroll status", "Checked"),
    "approved": pgettext_lazy("payroll status", "Approved"),
    "files_sent": pgettext_lazy("payroll status", "Bank files sent"),
    "results_in": pgettext_lazy("payroll status", "Bank results in"),
    "reconciled": pgettext_lazy("payroll status", "Reconciled"),
    "closed": pgettext_lazy("payroll status", "Closed"),
}

# Rules-engine parameter groups that are not programs (the first part of a parameter's name).
PARAMETER_GROUPS: dict[str, Any] = {
    "dibao_adjustment": _("Dibao standard adjustment"),
    "price_indices": _("Price indices"),
    "minimum_wage": _("Minimum wage"),
    "verification": _("Verification tolerance"),
    "casework": _("Casework time limits"),
}

# Funding levels of a split (rules engine: city / district / street-town).
FUNDING_LEVELS: dict[str, Any] = {
    "city": _("city"),
    "district": _("district"),
    "street": _("street / town"),
    "province": _("province"),
    "central": _("central government"),
}


# ----------------------------------------------------------------------------- bilingual data
def _in_language(zh: str, en: str) -> str:
    lang = get_language() or "zh-hans"
    return zh if lang.lower().startswith("zh") else en


_in_language_lazy = lazy(_in_language, str)


def _programs() -> dict[str, Any]:
    from safetynet.rules.catalog import CATALOG

    out: dict[str, Any] = {
        code: _in_language_lazy(e.name_zh, e.title.split(" (")[0]) for code, e in CATALOG.items()
    }
    out["medical_assistance"] = _("Medical assistance")
    return out


def _sources() -> dict[str, Any]:
    from safetynet.verification.sources.catalog import DEPARTMENTS, SOURCES

    out: dict[str, Any] = {c: _in_language_lazy(s.name_zh, s.name_en) for c, s in SOURCES.items()}
    for code, d in DEPARTMENTS.items():
        out.setdefault(code, _in_language_lazy(d.name_zh, d.name_en))
    out.setdefault("registry", _("Household registry"))
    out.setdefault("manual", _("Manual entry"))
    return out


def _data_items() -> dict[str, Any]:
    from safetynet.verification.sources.catalog import DATA_ITEMS

    return {c: _in_language_lazy(i.name_zh, i.name_en) for c, i in DATA_ITEMS.items()}


def _choices(path: str) -> Callable[[], dict[str, Any]]:
    """A model's TextChoices (``"app.module:Class"``), imported on first use."""

    def load() -> dict[str, Any]:
        import importlib

        module, cls = path.split(":")
        return dict(getattr(importlib.import_module(module), cls).choices)

    return load


def _merged(*loaders: Callable[[], Mapping[str, Any]]) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in loaders:
            for k, v in f().items():
                out.setdefault(k, v)
        return out

    return load


def _static(mapping: Mapping[str, Any]) -> Callable[[], Mapping[str, Any]]:
    return lambda: mapping


_V = "safetynet.verification.models"
_C = "safetynet.cases.models"
_D = "safetynet.cases.dynamic_models"
_P = "safetynet.payments.models"
_PF = "safetynet.payments.flow_models"
_PB = "safetynet.payments.bank_models"
_F = "safetynet.funds.models"
_R = "safetynet.registry.models"

# kind -> loader of {code: label}. Stable names: add, never rename.
KINDS: dict[str, Callable[[], Mapping[str, Any]]] = {
    # registry
    "relation": _choices(f"{_R}:Relation"),
    "sex": _choices(f"{_R}:Sex"),
    "disability": _choices(f"{_R}:DisabilityKind"),
    "division_level": _choices(f"{_R}:DivisionLevel"),
    "category": _choices(f"{_R}:Category"),
    "history_kind": _static(HISTORY_KINDS),
    "history_action": _static(HISTORY_ACTIONS),
    "history_reason": _static(HISTORY_REASONS),
    # programs and the rules engine
    "program": _programs,
    "reason": _static(REASONS),
    "parameter_status": _static(PARAMETER_STATUSES),
    "parameter_group": _merged(_programs, _static(PARAMETER_GROUPS)),
    "funding_level": _static(FUNDING_LEVELS),
    "engine": _static(ENGINES),
    # verification
    "source": _sources,
    "data_item": _data_items,
    "income_item": _static(INCOME_ITEMS),
    "purpose": _choices(f"{_V}:Purpose"),
    "request_status": _choices(f"{_V}:RequestStatus"),
    "query_status": _choices(f"{_V}:QueryStatus"),
    "conclusion": _choices(f"{_V}:Conclusion"),
    "access_action": _choices(f"{_V}:AccessAction"),
    "finding": _choices(f"{_V}:FindingKind"),
    "task_status": _choices(f"{_V}:TaskStatus"),
    "task_outcome": _choices(f"{_V}:TaskOutcome"),
    "verification_event": _choices(f"{_V}:EventKind"),
    # casework
    "case_program": _choices(f"{_C}:CaseProgram"),
    "case_status": _choices(f"{_C}:CaseStatus"),
    "case_step": _static(CASE_STEPS),
    "case_event": _choices(f"{_C}:EventKind"),
    "case_outcome": _choices(f"{_C}:Outcome"),
    "notice_kind": _choices(f"{_C}:NoticeKind"),
    "proactive_kind": _choices(f"{_D}:ProactiveKind"),
    "list_status": _choices(f"{_D}:ListStatus"),
    "list_entry_outcome": _choices(f"{_D}:EntryOutcome"),
    "review_trigger": _choices(f"{_D}:ReviewTrigger"),
    "review_outcome": _choices(f"{_D}:ReviewOutcome"),
    "grievance_kind": _choices(f"{_D}:GrievanceKind"),
    # payments
    "payroll_status": _static(PAYROLL_STATUSES),
    "payroll_event": _choices(f"{_P}:PayrollEventKind"),
    "basis_source": _choices(f"{_P}:BasisSource"),
    "line_kind": _choices(f"{_P}:LineKind"),
    "line_status": _choices(f"{_P}:LineStatus"),
    "recovery_reason": _choices(f"{_PF}:RecoveryReason"),
    "recovery_status": _choices(f"{_PF}:RecoveryStatus"),
    "bank_file_format": _choices(f"{_PB}:BankFileFormat"),
    "bank_entry_result": _choices(f"{_PB}:EntryResult"),
    "bank_return_reason": _static(BANK_RETURN_REASONS),
    # funds
    "fund_account_root": _choices(f"{_F}:AccountRoot"),
    "fund_level": _choices(f"{_F}:Level"),
    "fund_entry_kind": _choices(f"{_F}:EntryKind"),
    # accounts and values
    "role": _choices("safetynet.accounts.models:Role"),
    "bool": _static(BOOLEANS),
    "unit": _static(UNITS),
}


@functools.cache
def labels_of(kind: str) -> Mapping[str, Any]:
    """Every code of a kind with its (lazy) label. KeyError for an unknown kind: a typo in code."""
    return KINDS[kind]()


def label(kind: str, code: Any) -> str:
    """The label of a code in the active language; the code itself (as text) if unknown; "" for
    None or ""."""
    if code is None or code == "":
        return ""
    if kind == "bool" or isinstance(code, bool):
        return yes_no(code)
    if kind == "division":
        return division_name(str(code))
    found = labels_of(kind).get(str(code))
    return str(found) if found is not None else str(code)


label_lazy = lazy(label, str)


def label_zh(kind: str, code: Any) -> str:
    """The Chinese label whatever the active language (stored Chinese documents: the report)."""
    with override("zh-hans"):
        return label(kind, code)


def known(kind: str, code: Any) -> bool:
    return str(code) in labels_of(kind)


def choices(kind: str) -> list[tuple[str, Any]]:
    """(code, lazy label) pairs of a kind, for a form's ChoiceField."""
    return list(labels_of(kind).items())


def yes_no(value: Any) -> str:
    """是 / 否 (yes / no); "—" when unknown (None)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = value.strip().lower() in ("true", "1", "yes", "y", "t")
    return str(_("yes") if value else _("no"))


def percent(ratio: Any, places: int | None = None) -> str:
    """A ratio (0.035, "0.035", Decimal, Fraction) as a percentage ("3.5%"), exactly: never
    through a float's binary rounding. ``places`` rounds (half up) to so many decimals."""
    if ratio is None or ratio == "":
        return "—"
    if isinstance(ratio, Fraction):
        value = Decimal(ratio.numerator) / Decimal(ratio.denominator)
    elif isinstance(ratio, float):
        value = Decimal(repr(ratio))
    else:
        value = Decimal(str(ratio))
    pct = value * 100
    if places is not None:
        pct = pct.quantize(Decimal(1).scaleb(-places))
    text = format(pct.normalize(), "f") if places is None else format(pct, "f")
    if "." in text and places is None:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


_DIVISION_NAMES: dict[str, str] = {}


def _division_name(code: str) -> str | None:
    name = _DIVISION_NAMES.get(code)
    if name is None:
        from safetynet.registry.models import Division

        name = Division.objects.filter(code=code).values_list("name", flat=True).first()
        if name is not None and len(_DIVISION_NAMES) < 10_000:
            _DIVISION_NAMES[code] = name  # only found names: a later load may add the code
    return name


def division_name(code: str | None) -> str:
    """The name of a division code (思明区 for 350203); the code if no such division."""
    if not code:
        return ""
    return _division_name(str(code)) or str(code)


def division_path(code: str | None, sep: str = " › ") -> str:
    """厦门市 › 思明区 › 中华街道 for a code: the names of its ancestors and itself."""
    if not code:
        return ""
    code = str(code)
    prefixes = [code[:4] + "00"] + [code[:n] for n in (6, 9, 12) if len(code) >= n]
    names = [n for n in dict.fromkeys(_division_name(p) for p in dict.fromkeys(prefixes)) if n]
    return sep.join(names) if names else code


def clear_caches() -> None:
    """Forget division names (tests that load another division table)."""
    _DIVISION_NAMES.clear()
