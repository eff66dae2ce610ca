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
import re
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
    "age_years": pgettext_lazy("age", "years"),
    "vehicles": pgettext_lazy("unit", "vehicles"),
    "homes": pgettext_lazy("unit", "homes"),
    "businesses": pgettext_lazy("unit", "businesses"),
    "items": pgettext_lazy("unit", "items"),
    "times": pgettext_lazy("unit", "times"),
    "minutes": _("minutes"),
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

# The kinds of source rows the batch re-verification reads (a finding's `source`).
BATCH_SOURCES: dict[str, Any] = {
    "employment": _("Employment and wages"),
    "social_insurance": _("Social insurance"),
    "pensions": _("Pensions"),
    "tax": _("Tax records"),
    "tax_labour": _("Tax records (labour income)"),
    "tax_business": _("Tax records (business income)"),
    "bank_deposits": _("Bank deposits"),
    "securities": _("Securities"),
    "vehicles": _("Motor vehicle registry"),
    "real_estate": _("Real estate registry"),
    "businesses": _("Business registry"),
    "deaths": _("Death records"),
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
    "bank_technical": _("Bank technical failure"),
    "timeout": _("Timed out at the bank"),
}

# Why a source's query failed (verification connectors and the agencies' error bodies).
QUERY_ERRORS: dict[str, Any] = {
    "timeout": _("No answer in time"),
    "connection_error": _("The source could not be reached"),
    "bad_response": _("The source's answer could not be read"),
    "connector_error": _("The source could not be queried"),
    "missing_authorization": _("The signed authorization is missing"),
    "unavailable": _("The source is unavailable"),
}

# The account audit (accounts/audit.py): which field changed, and through what.
ACCOUNT_FIELDS: dict[str, Any] = {
    "role": _("Role"),
    "jurisdiction": _("Jurisdiction"),
    "is_staff": _("Staff (may use the admin)"),
    "is_superuser": _("Superuser"),
    "is_active": _("Active"),
    "password": _("Password"),
    "groups": _("Groups"),
    "user_permissions": _("Permissions"),
    "created": _("Account created"),
    "deleted": _("Account deleted"),
}
ACCOUNT_VIA: dict[str, Any] = {
    "admin": _("Administration site"),
    "demo_users": _("Demo accounts set-up"),
    "system": _("System"),
}

# The rules engine's named figures (results' `figures`: what a proposal and a report keep).
NAMED_FIGURES: dict[str, Any] = {
    "assets_ok": _("Assets within the limits"),
    "counted_income_fen": _("Counted household income (month)"),
    "financial_asset_limit_fen": _("Financial assets limit"),
    "financial_assets_fen": _("Financial assets"),
    "financial_assets_months": _("Financial assets limit in months"),
    "financial_assets_ok": _("Financial assets within the limit"),
    "income_limit_fen": _("Income limit (line × members)"),
    "income_ok": _("Income below the line"),
    "line_fen": _("Line (per person and month)"),
    "max_businesses": _("Most registered businesses"),
    "max_homes": _("Most homes"),
    "max_vehicles": _("Most motor vehicles"),
    "medical_oop_fen": _("Out-of-pocket medical costs"),
    "members": _("Members"),
    "net_income_window_fen": _("Income after medical costs over the period"),
    "standard_fen": _("Dibao standard (per person and month)"),
    "window_months": _("Months of the period"),
    "basis": _("Basis"),
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
    "payments": _("Payments"),
}

# Funding levels of a split (rules engine: city / district / street-town).
FUNDING_LEVELS: dict[str, Any] = {
    "city": pgettext_lazy("funding level", "city"),
    "district": pgettext_lazy("funding level", "district"),
    "street": pgettext_lazy("funding level", "street / town"),
    "province": pgettext_lazy("funding level", "province"),
    "central": pgettext_lazy("funding level", "central government"),
}


# ----------------------------------------------------------------------------- bilingual data
def _in_language(zh: str, en: str) -> str:
    lang = get_language() or "zh-hans"
    return zh if lang.lower().startswith("zh") else en


_in_language_lazy = lazy(_in_language, str)


def _programs() -> dict[str, Any]:
    from safetynet.rules.catalog import CATALOG

    out: dict[str, Any] = {
        code: _in_language_lazy(e.name_zh, e.title) for code, e in CATALOG.items()
    }
    out["medical_assistance"] = _("Medical assistance")
    return out


def _sources() -> dict[str, Any]:
    from safetynet.verification.sources.catalog import DEPARTMENTS, SOURCES

    out: dict[str, Any] = {c: _in_language_lazy(s.name_zh, s.name_en) for c, s in SOURCES.items()}
    for code, d in DEPARTMENTS.items():
        out.setdefault(code, _in_language_lazy(d.name_zh, d.name_en))
    # the batch re-verification's source kinds (verification/batch/job.py)
    for code, name in BATCH_SOURCES.items():
        out.setdefault(code, name)
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
    "named_figure": _static(NAMED_FIGURES),
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
    "query_error": _static(QUERY_ERRORS),
    # funds
    "fund_account_root": _choices(f"{_F}:AccountRoot"),
    "fund_level": _choices(f"{_F}:Level"),
    "fund_entry_kind": _choices(f"{_F}:EntryKind"),
    # accounts and values
    "role": _choices("safetynet.accounts.models:Role"),
    "account_field": _static(ACCOUNT_FIELDS),
    "account_via": _static(ACCOUNT_VIA),
    "bool": _static(BOOLEANS),
    "unit": _static(UNITS),
    # policy (ADR 1400, 1430)
    "change_kind": _choices("safetynet.policy.models:ChangeKind"),
    "index_kind": _choices("safetynet.policy.models:IndexKind"),
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
    if kind == "history_reason":
        return _history_reason(str(code))
    if kind == "query_error" and str(code) not in QUERY_ERRORS:
        return str(_("The source reported an error"))
    found = labels_of(kind).get(str(code))
    return str(found) if found is not None else str(code)


label_lazy = lazy(label, str)


def _history_reason(code: str) -> str:
    """A history entry's change reason: a service's name, or the bulk loader's ``load <folder>``
    (ADR 0202), or the batch findings' ``batch <month>``."""
    found = HISTORY_REASONS.get(code)
    if found is not None:
        return str(found)
    if code.startswith("load "):
        return str(HISTORY_REASONS["load city"])
    if code.startswith("batch "):
        return str(_("Batch re-verification %(month)s") % {"month": code[6:]})
    if code == "review_decide":
        return str(_("Review decided"))
    return code


# Plain values a source or a batch writes into a finding's detail.
VALUES: dict[str, Any] = {
    "alive": _("alive"),
    "dead": _("deceased"),
    "deceased": _("deceased"),
    "active": _("active"),
    "normal": _("normal"),
    "cancelled": _("cancelled"),
}
# The kinds a bare value is looked up in, in this order, when its kind is not known.
_VALUE_KINDS = ("source", "program", "category", "relation", "finding", "reason", "data_item")


def value_label(value: Any) -> str:
    """A value whose kind the caller does not know (a finding's detail): 是/否 for booleans, a
    code's label if it is a source, program, category, relation, finding or reason, else the
    value."""
    if isinstance(value, bool):
        return yes_no(value)
    text = str(value)
    if text in VALUES:
        return str(VALUES[text])
    for kind in _VALUE_KINDS:
        if known(kind, text):
            return label(kind, text)
    return text


def label_zh(kind: str, code: Any) -> str:
    """The Chinese label whatever the active language (stored Chinese documents: the report)."""
    with override("zh-hans"):
        return label(kind, code)


def known(kind: str, code: Any) -> bool:
    return str(code) in labels_of(kind)


def choices(kind: str) -> list[tuple[str, Any]]:
    """(code, lazy label) pairs of a kind, for a form's ChoiceField."""
    return list(labels_of(kind).items())


def colon() -> str:
    """The colon after a label in the active language: ： in Chinese, ": " in English."""
    lang = (get_language() or "zh-hans").lower()
    return "：" if lang.startswith("zh") else ": "


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


# ----------------------------------------------------------------------------- rules parameters
# The Chinese name of every parameter of the rules engine (the English one is its YAML
# description). tests/core/test_labels.py checks that every shipped parameter has one.
PARAMETER_NAMES_ZH: dict[str, str] = {
    "disaster_housing.stage_shares": "倒损住房补助按建设进度（开工、竣工、验收）拨付比例",
    "disaster_housing.transitional_aid_daily": "过渡期生活救助标准（每人每天）",
    "funeral_exemption.sea_burial_fee": "骨灰撒海费用（本市居民免费，补偿殡仪馆）",
    "medical_assistance.annual_cap": "医疗救助年度救助限额（每人每年）",
    "medical_assistance.categories": "医疗救助对象类别（按优惠程度排序）",
    "medical_assistance.deductible": "医疗救助年度起付线（按救助对象类别）",
    "medical_assistance.funding": "医疗救助资金分担",
    "medical_assistance.ratio": "医疗救助比例（按救助对象类别）",
    "age_allowance.centenarian_city_share": "百岁老人高龄津贴市财政承担部分（每月）",
    "age_allowance.funding": "80至99周岁高龄津贴资金分担",
    "age_allowance.remainder_payer": "百岁老人高龄津贴其余部分承担方",
    "age_allowance.tiers": "高龄津贴标准（按年龄段，每月）",
    "casework.complaint_answer_workdays": "投诉答复时限（工作日）",
    "casework.decision_workdays": "公示期满后审批确认时限（工作日）",
    "casework.emergency_formalities_workdays": "急难先行救助补办手续时限（工作日）",
    "casework.gradual_exit_months": "渐退期（月）",
    "casework.investigation_workdays": "受理后调查核实时限（工作日）",
    "casework.lawsuit_defence_days": "行政诉讼答辩期限（日）",
    "casework.lawsuit_months": "行政诉讼起诉期限（月）",
    "casework.notice_days": "社区公示期（自然日）",
    "casework.reconsideration_days": "行政复议申请期限（日）",
    "casework.reconsideration_decision_days": "行政复议决定期限（日）",
    "casework.refusal_notice_workdays": "不予批准书面告知时限（工作日）",
    "casework.review_interval_stable_months": "收入基本无变化家庭的复核周期（月）",
    "casework.review_interval_unstable_months": "收入不稳定家庭的复核周期（月）",
    "casework.total_extended_workdays": "延长后的全案办理时限（工作日）",
    "casework.total_workdays": "全案办理时限（工作日）",
    "dibao.financial_assets_months": "低保家庭金融资产上限（人均月低保标准的倍数）",
    "dibao.funding": "低保金资金分担",
    "dibao.max_businesses": "低保、低收入家庭工商登记上限（户）",
    "dibao.max_homes": "低保、低收入家庭住房上限（套）",
    "dibao.max_vehicles": "低保、低收入家庭机动车上限（辆）",
    "dibao.standard": "城乡低保标准（每人每月）",
    "dibao_adjustment.min_wage_ratio_max": "低保标准与最低工资比例上限",
    "dibao_adjustment.min_wage_ratio_min": "低保标准与最低工资比例下限",
    "disability.funding": "残疾人两项补贴资金分担",
    "disability.living_subsidy": "困难残疾人生活补贴（每月）",
    "disability.living_subsidy_groups": "可享受困难残疾人生活补贴的救助类别",
    "disability.nursing_grade3_kinds": "三级也可享受护理补贴的残疾类别",
    "disability.nursing_subsidy": "重度残疾人护理补贴（按等级，每月）",
    "disaster_housing.cap": "农村灾后住房补助上限（新建、翻建或修缮）",
    "disaster_housing.funding": "灾后住房补助资金分担",
    "disaster_housing.weak_selfcare_min_failed": "认定生活自理能力弱的不能自理项数",
    "entitled_groups.funding": "重点优抚对象补助资金分担",
    "entitled_groups.funeral_grant_excluded": "不发放增发抚恤补助金的优抚对象类别",
    "entitled_groups.funeral_grant_months": "优抚对象去世增发抚恤补助金（月数）",
    "five_elders.funding": "革命五老补贴资金分担",
    "five_elders.funeral_grant_months": "革命五老去世一次性丧葬补助（月数）",
    "five_elders.growth_rate": "革命五老定期生活补贴年自然增长率",
    "five_elders.monthly_subsidy": "革命五老定期生活补贴基数（每月）",
    "funeral_exemption.fees": "免除的五项基本丧葬费用",
    "funeral_exemption.funding": "基本殡葬费用免除资金分担",
    "funeral_exemption.min_permit_months": "非本市户籍居民暂住证或居住证最短持有月数",
    "illness_poverty.line_multiplier": "因病支出型贫困认定标准（低保标准的倍数）",
    "illness_poverty.window_months": "因病支出型贫困收入和医疗支出计算期（月）",
    "low_income.financial_assets_months": "低收入家庭金融资产上限（人均月低收入标准的倍数）",
    "low_income.multiplier": "低收入标准（低保标准的倍数）",
    "minimum_wage.monthly": "厦门市月最低工资标准（第一档）",
    "payments.recovery_max_share": "追回多发款时每笔发放最多扣减比例",
    "price_indices.cpi_yoy": "居民消费价格指数同比涨幅（按月）",
    "price_indices.food_annual_yoy": "上年食品类价格指数累计同比涨幅",
    "price_indices.food_cpi_yoy": "食品价格同比涨幅（按月）",
    "price_indices.scpi_annual_yoy": "上年低收入居民基本生活费用价格指数累计同比涨幅",
    "price_subsidy.cpi_threshold": "价格临时补贴启动条件：居民消费价格指数同比涨幅",
    "price_subsidy.food_cpi_threshold": "价格临时补贴启动条件：食品价格同比涨幅",
    "price_subsidy.funding": "价格临时补贴资金分担",
    "price_subsidy.minimum": "价格临时补贴每人每月最低额",
    "retired_40pct.funding": "60年代精减退职老职工救济资金分担",
    "retired_40pct.monthly": "60年代精减退职老职工40%救济（每月）",
    "silicosis.funding": "矽肺病救济资金分担",
    "silicosis.monthly": "矽肺病救济（每月）",
    "tekun.basic_living_multiplier": "特困人员基本生活标准（低保标准的倍数）",
    "tekun.care_ratio": "特困人员照料护理标准（按自理能力，最低工资的比例）",
    "tekun.child_age": "未成年人年龄界限（周岁以下无劳动能力）",
    "tekun.fully_disabled_min_failed": "认定完全丧失生活自理能力的不能自理项数（共6项）",
    "tekun.funding": "特困人员供养资金分担",
    "tekun.min_age": "老年人年龄界限（周岁起无劳动能力）",
    "tekun.no_capacity_disabilities": "视为无劳动能力的残疾类别和等级",
    "tekun.partly_disabled_min_failed": "认定部分丧失生活自理能力的不能自理项数（共6项）",
    "temporary_assistance.advance_cap_multiple": "急难先行救助上限（每名成员，月低保标准的倍数）",
    "temporary_assistance.cap_multiple": "临时救助每次上限（月低保标准的倍数，按类型）",
    "temporary_assistance.fund_per_capita_year": "临时救助资金筹集标准（每名户籍人口每年）",
    "temporary_assistance.funding": "临时救助资金分担",
    "verification.discrepancy_tolerance_fen": "核对差异容忍度（绝对值）",
    "verification.discrepancy_tolerance_ratio": "核对差异容忍度（比例）",
    "eldercare.emergency_response_minutes": "一键通紧急呼叫派单响应时限（分钟）",
}

# Ratios shown as a multiple (倍), not a percentage: the rest of the ratio parameters are rates.
_MULTIPLE_RATIOS = {
    "illness_poverty.line_multiplier",
    "low_income.multiplier",
    "tekun.basic_living_multiplier",
    "temporary_assistance.advance_cap_multiple",
    "temporary_assistance.cap_multiple",
    "dibao_adjustment.min_wage_ratio_max",
    "dibao_adjustment.min_wage_ratio_min",
}
# Counts by the name's ending: the unit a count parameter is in.
_COUNT_UNITS = (
    ("_workdays", "working_days"),
    ("_months", "months"),
    ("_days", "days"),
    ("_age", "age_years"),
    ("max_vehicles", "vehicles"),
    ("max_homes", "homes"),
    ("max_businesses", "businesses"),
    ("_min_failed", "items"),
    ("_minutes", "minutes"),
)


def _parameter_descriptions() -> dict[str, Any]:
    from safetynet.rules import load_parameters

    out: dict[str, Any] = {}
    for p in load_parameters().describe():
        zh = PARAMETER_NAMES_ZH.get(p["name"])
        out[p["name"]] = _in_language_lazy(zh, p["description"]) if zh else p["description"]
    return out


KINDS["parameter"] = _parameter_descriptions


def parameter_value(name: str, unit: str, value: Any) -> str:
    """A parameter's value as a caseworker reads it, in the active language: money in yuan from
    integer fen, rates as percentages (3.5%), multiples as 倍, funding splits by level, tables
    by their keys' labels, counts with their unit."""
    from safetynet.rules.money import yuan

    if value is None:
        return "—"
    if unit == "fen":
        return f"{yuan(value)} {label('unit', 'yuan')}"
    if unit == "fen_table":
        return "；".join(
            f"{_table_key(name, k)}：{parameter_value(name, 'fen', v)}" for k, v in value.items()
        )
    if unit == "ratio_table":
        if set(value) <= set(FUNDING_LEVELS):
            return "；".join(f"{label('funding_level', k)} {percent(v)}" for k, v in value.items())
        return "；".join(
            f"{_table_key(name, k)}：{parameter_value(name, 'ratio', v)}" for k, v in value.items()
        )
    if unit == "ratio":
        if name in _MULTIPLE_RATIOS:
            return str(_("%(n)s times") % {"n": _plain_number(value)})
        return percent(value)
    if unit == "list":
        return "、".join(_list_item(name, v) for v in value)
    if unit == "bool":
        return yes_no(value)
    if unit == "count":
        for ending, u in _COUNT_UNITS:
            if name.endswith(ending):
                return f"{value} {label('unit', u)}"
        return str(value)
    if unit == "code":
        return _table_key(name, value)
    return str(value)


def _plain_number(value: Any) -> str:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    text = format(Decimal(str(value)).normalize(), "f")
    return text


# Keys of parameter tables and codes in parameter values.
TABLE_KEYS: dict[str, Any] = {
    "new_build": _("new build or rebuild"),
    "repair": _("repair"),
    "emergency": _("emergency"),
    "expenditure": _("expenditure"),
    "none": _("none"),
    "body_transport": _("body transport"),
    "pickup": _("pick-up"),
    "cremation": _("cremation"),
    "refrigeration": _("refrigeration"),
    "urn": _("urn"),
    "district": _("district"),
    "street": _("street / town"),
    "district_or_street": _("district or street / town"),
    "capable": _("able to care for oneself"),
    "partly": _("partly unable to care for oneself"),
    "fully": _("fully unable to care for oneself"),
    "disabled_serviceman": _("disabled servicemen"),
    # disaster_housing.stage_shares: the construction stages
    "start": _("construction started"),
    "completion": _("construction completed"),
    "inspection": _("inspected and accepted"),
}


def _table_key(name: str, key: Any) -> str:
    k = str(key)
    if k.isdigit():
        if name == "age_allowance.tiers":
            return str(_("aged %(n)s and over") % {"n": k})
        if name == "disability.nursing_subsidy":
            return str(_("grade %(n)s") % {"n": k})
        if name == "tekun.care_ratio":
            return str(_("self-care tier %(n)s") % {"n": k})
        return k
    for kind in ("disability", "category", "funding_level"):
        if known(kind, k):
            return label(kind, k)
    found = TABLE_KEYS.get(k)
    return str(found) if found is not None else k


def _list_item(name: str, item: Any) -> str:
    text = str(item)
    if ":" in text:  # "kind:grade" (tekun.no_capacity_disabilities)
        kind, grade = text.split(":", 1)
        return f"{label('disability', kind)} {_('grade %(n)s') % {'n': grade}}"
    for kind in ("disability", "program", "category"):
        if known(kind, text):
            return label(kind, text)
    return _table_key(name, text)


# ----------------------------------------------------------------------------- legal references
# A parameter value's reference is written for the developers and the bureau's lawyers alike
# ("docs POLICY.md §3: 800 yuan from 2019-07-01 [pub]"). A Chinese screen shows the legal part
# only: the documents named in Chinese, and for what is only the project's default, that the
# bureau must confirm it.
_REFERENCE_PHRASES = {
    "Fujian minimum wage notice": "福建省最低工资标准通知",
    "Xiamen Statistics Bureau monthly price release": "厦门市统计局月度价格发布",
    "Fujian practice": "福建省做法",
}
_DEV_NOTE = re.compile(r"(?:docs\s+)?POLICY\.md\s*§\s*\d+|\[[^\]]*\]")
_PAREN = re.compile(r"\s*[(（]([^()（）]*)[)）]")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z\s,'’/&×.:-]*")


def developer_note(note: str | None) -> str:
    """A parameter value's note: written in English for the bureau's developers and lawyers;
    a Chinese screen leaves it out (the status badge says what must be confirmed)."""
    lang = (get_language() or "zh-hans").lower()
    return "" if lang.startswith("zh") or not note else note


_DOCUMENT_NUMBER = re.compile(r"[〔\[]\d{4}[〕\]]\s*\d+\s*号")


def legal_reference(reference: str | None, status: str | None = None) -> str:
    """The legal reference as a Chinese screen shows it (the English screen shows it whole)."""
    if not reference:
        return "—"
    lang = (get_language() or "zh-hans").lower()
    if not lang.startswith("zh"):
        return reference
    parts: list[str] = []
    for part in re.split(r"[;；]", reference):
        text = part
        for en, zh in _REFERENCE_PHRASES.items():
            text = text.replace(en, zh)
        text = _DEV_NOTE.sub(" ", text)
        # a bracketed note in English is a developer's; one in Chinese (or a date) stays
        text = _PAREN.sub(
            lambda m: f"（{m.group(1).strip()}）" if not re.search("[A-Za-z]", m.group(1)) else "",
            text,
        )
        # the first English words end the legal part ("… and Fujian practice: public notice")
        cut = _LATIN_RUN.search(text)
        if cut:
            text = text[: cut.start()]
        for opening in ("(", "（"):  # a bracket the cut (or the split at ";") left open
            if text.count(opening) > text.count(")" if opening == "(" else "）"):
                text = text[: text.rfind(opening)]
        text = text.strip(" :：,，;.-—")
        # a document number (厦民〔2020〕12号) is a legal reference however short
        chinese = len(re.findall(r"[\u4e00-\u9fff]", text)) >= 4 or _DOCUMENT_NUMBER.search(text)
        if chinese and text not in parts:
            parts.append(text)
    if parts:
        return "；".join(parts)
    if status == "default-to-confirm":
        return str(_("The system's default, to be confirmed by the bureau"))
    return str(_("The bureau's published standard"))


# ----------------------------------------------------------------------------- trace figures
# The rules engine's trace names its figures in English (safetynet/rules never imports Django);
# these are their labels on a screen. Keys are the engine's labels, exactly.
TRACE_FIGURES: dict[str, Any] = {
    "eligible": _("Eligible"),
    "amount paid": _("Amount paid"),
    "reason": _("Reason"),
    "reason (per person)": _("Reason (per person)"),
    "amount": _("Amount"),
    "assessed cost": _("Assessed cost"),
    "assets within limits": _("Assets within the limits"),
    "counted household income": _("Counted household income (month)"),
    "counted household income (家庭收入, monthly)": _("Counted household income (month)"),
    "counted income over the window": _("Counted income over the period"),
    "declared financial assets": _("Declared financial assets"),
    "five basic fees total": _("Five basic funeral fees, total"),
    "living members": _("Living members"),
    "living members (家庭成员)": _("Living members"),
    "members": _("Members"),
    "own counted income": _("Own counted income (month)"),
    "requested amount": _("Requested amount"),
    "tier amount": _("Amount of the tier"),
    "age in years (completed by end of previous month)": _(
        "Age (full years at the end of the previous month)"
    ),
    "amount = min(requested, cap)": _("Amount (the request, at most the cap)"),
    "amount = standard × members − counted income (差额)": _(
        "Amount (standard × members − counted income)"
    ),
    "amount per person (at least the minimum)": _("Amount per person (at least the minimum)"),
    "basic living + care": _("Basic living standard + care standard"),
    "cap for the kind (new build / repair)": _("Cap for the kind (new build or repair)"),
    "cap for the request's kind": _("Cap for the kind of request"),
    "caps [none, emergency 急难, expenditure 支出] = standard × multiple": _(
        "Caps (none, emergency, expenditure) = standard × multiple"
    ),
    "care standards by tier (照料护理标准) = minimum wage × ratio": _(
        "Care standards by tier = minimum wage × ratio"
    ),
    "covered (dibao / tekun / entitled pension / unemployment insurance)": _(
        "Covered (dibao, extremely poor, entitled pension or unemployment insurance)"
    ),
    "covered group (五保/特困, 低保, 重点优抚, 五老, 贫困残疾人)": _("In a covered group"),
    "excluded income, not counted (不计入收入)": _("Income not counted"),
    "funeral grant = months × pension": _("Funeral grant = months × pension"),
    "income − medical costs": _("Income − medical costs"),
    "line × members": _("Line × members"),
    "line × members × window": _("Line × members × months"),
    "living subsidy (生活补贴)": _("Living subsidy"),
    "monthly subsidy for the grant (recorded, else the parameter)": _(
        "Monthly subsidy the grant is based on"
    ),
    "no working capacity (无劳动能力)": _("No capacity to work"),
    "nursing subsidy (护理补贴)": _("Nursing subsidy"),
    "out-of-pocket medical costs over the window": _("Out-of-pocket medical costs over the period"),
    "per-capita monthly net (display, rounded half up)": _(
        "Net income per person and month (rounded)"
    ),
    "per-capita counted income (display, rounded half up)": _(
        "Counted income per person and month (rounded)"
    ),
    "regular pension (定期抚恤补助)": _("Regular pension"),
    "self-care tier (0 capable/全自理, 1 partly/半护理, 2 fully/全护理)": _("Self-care tier"),
    "standard × members": _("Standard × members"),
    "standard × rise": _("Standard × rise"),
    "triggering rise (the larger if both trigger)": _("Triggering rise (the larger of the two)"),
    "basic living standard (基本生活标准) = standard × multiplier": _(
        "Basic living standard = standard × multiplier"
    ),
    "financial-asset limit (months × line × members)": _(
        "Financial assets limit (months × line × members)"
    ),
    "full cost (兜底改造): dibao with weak self-care, or dispersed tekun": _(
        "Full cost covered (dibao with weak self-care, or extremely poor living at home)"
    ),
    "funeral grant = months × monthly subsidy (from 2017)": _(
        "Funeral grant = months × monthly subsidy"
    ),
    "illness_poverty.line_multiplier": _("Line multiplier"),
    "low_income.multiplier": _("Low-income line multiplier"),
    "tekun.basic_living_multiplier": _("Basic living multiplier"),
    "code": _("Code"),
    "amount paid (per person)": _("Amount paid (per person)"),
    "eligible (per person)": _("Eligible (per person)"),
    "household amount (sum of persons)": _("Household amount (sum over the members)"),
    "low-income line = standard × multiplier": _("Low-income line = standard × multiplier"),
    "line = standard × multiplier": _("Line = standard × multiplier"),
}
_GROWTH = re.compile(r"subsidy after growth on (\d{4}-\d{2}-\d{2})")
_SERIES = re.compile(r"(\S+) for (\d{4}-\d{2})")
_TIER_FUNDING = re.compile(r"tier (\d+)\+ funding: city share, remainder payer")


def trace_figure_label(text: str) -> str:
    """The label of one of the engine's trace figures in the active language."""
    found = TRACE_FIGURES.get(text)
    if found is not None:
        return str(found)
    m = _GROWTH.fullmatch(text)
    if m:
        return str(_("Subsidy after the growth of %(date)s") % {"date": m.group(1)})
    m = _TIER_FUNDING.fullmatch(text)
    if m:
        return str(_("Aged %(n)s and over: city share, who pays the rest") % {"n": m.group(1)})
    m = _SERIES.fullmatch(text)
    if m and m.group(1) in PARAMETER_NAMES_ZH:
        return f"{label('parameter', m.group(1))}（{m.group(2)}）"
    return text


def trace_figure_value(value: Any, unit: str, names: list[str] | None = None) -> str:
    """A trace figure's value: yuan from fen, 是/否, reasons as labels; a per-person list by the
    members' names when given."""
    from safetynet.rules.engine import REASONS
    from safetynet.rules.money import yuan

    if isinstance(value, list):
        shown = [trace_figure_value(v, unit) for v in value]
        if names and len(names) == len(shown):
            return "；".join(f"{n}：{v}" for n, v in zip(names, shown, strict=True))
        return "、".join(shown)
    if value is None:
        return str(_("no data"))
    if unit == "bool":
        return yes_no(bool(value))
    if unit == "reason":
        code = REASONS[int(value)] if isinstance(value, int) and value < len(REASONS) else value
        return label("reason", code)
    if unit == "fen":
        return f"{yuan(value)} {label('unit', 'yuan')}"
    if unit == "ratio":
        return percent(value)
    return str(value)


def trace_sentences(section: dict[str, Any], names: list[str] | None = None) -> list[str]:
    """One program's trace (the engine's ``trace[program]``: parameters and figures) as sentences
    in the active language: each parameter with its value, its effective date and its legal
    reference; each figure with its value (per person by the members' names)."""
    out: list[str] = []
    for p in section.get("parameters", []):
        unit = p.get("unit") or _parameter_unit(p["name"])
        value = parameter_value(p["name"], unit, p.get("value"))
        out.append(
            str(
                _("%(name)s: %(value)s (in force from %(date)s; %(reference)s)")
                % {
                    "name": label("parameter", p["name"]),
                    "value": value,
                    "date": p.get("effective", "—"),
                    "reference": legal_reference(p.get("reference"), p.get("status")),
                }
            )
        )
    for f in section.get("figures", []):
        unit = f.get("unit") or ("bool" if isinstance(f.get("value"), bool) else "")
        text = f["label"]
        if unit == "ratio" and text.endswith("multiplier"):
            shown = str(_("%(n)s times") % {"n": _plain_number(f["value"])})
        elif unit:
            shown = trace_figure_value(f.get("value"), unit, names)
        else:
            shown = f.get("display", "")
        out.append(
            str(_("%(label)s: %(value)s") % {"label": trace_figure_label(text), "value": shown})
        )
    return out


def _parameter_unit(name: str) -> str:
    from safetynet.rules import load_parameters

    try:
        return load_parameters().get(name).unit
    except (KeyError, AttributeError):
        return ""


# ----------------------------------------------------------------------------- engine messages
# The rules engine refuses a situation with an English message (safetynet/rules imports no
# Django); a screen shows it in the reader's language. Patterns, in order; the first that
# matches the whole message wins; an unknown message is shown as it is.
_SITUATION_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"unknown field"), _("this field is not part of a situation")),
    (re.compile(r"must be an object"), _("must be an object")),
    (re.compile(r"must be an integer, got (?P<v>.*)"), _("must be a whole number, not %(v)s")),
    (re.compile(r"must not be negative"), _("must not be negative")),
    (re.compile(r"must not be below (?P<lo>\S+), got (?P<v>.*)"), _("must be at least %(lo)s")),
    (re.compile(r"must not be above (?P<hi>\S+), got (?P<v>.*)"), _("must be at most %(hi)s")),
    (re.compile(r"must be true or false, got (?P<v>.*)"), _("must be true or false")),
    (re.compile(r"must be a date YYYY-MM-DD, got (?P<v>.*)"), _("must be a date YYYY-MM-DD")),
    (re.compile(r"impossible or malformed date (?P<v>.*)"), _("is not a real date: %(v)s")),
    (re.compile(r"(?P<v>.*) is not one of (?P<choices>.*)"), _("%(v)s is not one of %(choices)s")),
    (re.compile(r"must be a 12-digit division code"), _("must be a 12-digit division code")),
    (re.compile(r"is required"), _("is required")),
    (re.compile(r"must be a non-empty list"), _("must list at least one member")),
    (re.compile(r"person ids must be unique"), _("two members have the same id")),
    (re.compile(r"must be a list of program names"), _("must be a list of program names")),
    (re.compile(r"unknown program (?P<v>'[^']*').*"), _("unknown program %(v)s")),
    (
        re.compile(r"a resident ID number is 17 digits and a digit or X"),
        _("an ID number is 17 digits and a digit or X"),
    ),
    (
        re.compile(r"the birth date in the ID number does not exist"),
        _("the birth date in the ID number does not exist"),
    ),
    (
        re.compile(r"the ID number's check digit is wrong.*"),
        _("the ID number's check digit is wrong"),
    ),
    (re.compile(r"must be a string"), _("must be text")),
    (
        re.compile(r"birth date in the ID number differs from birth_date (?P<v>.*)"),
        _("the birth date in the ID number is not the birth date %(v)s"),
    ),
    (re.compile(r"is before the birth date"), _("is before the birth date")),
    (re.compile(r"is required with a grade"), _("is required with a grade")),
    (re.compile(r"must be 'M' or 'F'"), _("must be M (male) or F (female)")),
    (re.compile(r"must be a list"), _("must be a list")),
    (re.compile(r"unknown category (?P<v>.*)"), _("unknown category %(v)s")),
    (re.compile(r"is before the start date"), _("is before the start date")),
    (
        re.compile(r"a second (?P<v>'[^']*') enrolment; give one per category"),
        _("a second %(v)s enrolment: one per category"),
    ),
    (re.compile(r"nested too deeply"), _("is nested too deeply")),
    (
        re.compile(r"no parameter value in force for this month.*"),
        _("no policy value is in force for this month"),
    ),
    (re.compile(r"a number is too large.*"), _("a number is too large")),
)


def situation_message(message: str) -> str:
    """The rules engine's refusal of a situation, in the active language."""
    for pattern, text in _SITUATION_MESSAGES:
        m = pattern.fullmatch(message)
        if m:
            values = {
                k: label("category", v.strip("'")) if k == "v" and "category" in message else v
                for k, v in m.groupdict().items()
            }
            return str(text) % values if values else str(text)
    return message


def parameter_input_unit(name: str, unit: str) -> str:
    """The unit a person types a parameter's value in on a screen (ADR 1433): ``yuan`` for money,
    ``percent`` for rates, ``times`` for multiples, else the parameter's own unit."""
    if unit == "fen":
        return "yuan"
    if unit == "ratio":
        return "times" if name in _MULTIPLE_RATIOS else "percent"
    return unit


# ----------------------------------------------------------------------------- 12349 elderly care
# safetynet/eldercare (ADR 1200): its codes and its parameters' Chinese names.
_E = "safetynet.eldercare.models"
PARAMETER_GROUPS["eldercare"] = _("Elderly care")
KINDS.update(
    {
        "elder_living": _choices(f"{_E}:LivingSituation"),
        "elder_selfcare": _choices(f"{_E}:SelfCareLevel"),
        "elder_selfcare_item": _choices(f"{_E}:SelfCareItem"),
        "elder_contact_relation": _choices(f"{_E}:ContactRelation"),
        "elder_provider_status": _choices(f"{_E}:ProviderStatus"),
        "elder_provider_event": _choices(f"{_E}:ProviderEventKind"),
        "elder_service_item": _choices(f"{_E}:ServiceItem"),
        "elder_call_topic": _choices(f"{_E}:CallTopic"),
        "elder_call_outcome": _choices(f"{_E}:CallOutcome"),
        "elder_order_status": _choices(f"{_E}:OrderStatus"),
        "elder_order_action": _choices(f"{_E}:OrderAction"),
        "elder_card_status": _choices(f"{_E}:CardStatus"),
    }
)
PARAMETER_NAMES_ZH.update(
    {
        "eldercare.min_age": "老年人基本信息数据库起始年龄",
        "eldercare.credit_monthly": "政府购买居家养老服务额度（按生活自理能力，每人每月）",
        "eldercare.credit_categories": "享受政府购买居家养老服务的救助对象类别",
        "eldercare.credit_min_age": "不论自理能力均享受居家养老服务额度的年龄",
        "eldercare.credit_funding": "政府购买居家养老服务资金分担",
        "eldercare.provider_window_days": "加盟商投诉和差评统计期（天）",
        "eldercare.provider_suspend_complaints": "加盟商暂停派单的投诉次数",
        "eldercare.provider_suspend_bad_ratings": "加盟商暂停派单的差评次数",
        "eldercare.provider_exit_complaints": "加盟商退出的投诉次数",
        "eldercare.provider_bad_rating_max": "差评的最高星级",
    }
)
