"""The chart of accounts (ADR 0920, docs/funds.md): one name per account, the very name Beancount
uses, built from (kind, fund, level, district, program). Pure Python: no Django.

    Assets:Treasury:City                              the city's fiscal funds for assistance
    Assets:Treasury:District:D350203                  a district's
    Assets:Treasury:Street:D350203                    the streets/towns of a district (pooled)
    Assets:Clearing:Bank                              the disbursement clearing account at the banks
    Assets:Receivable:Recoveries:Dibao                overpayments to recover
    Assets:Fund:TemporaryAssistance                   the temporary-assistance fund (10 yuan/person)
    Assets:Fund:Lottery / Assets:Fund:Donations       lottery public-welfare and donation money
    Liabilities:Payable:Dibao                         approved and not yet paid to beneficiaries
    Income:Budget:City:Dibao                          budget appropriations (per level, program)
    Income:Budget:District:D350203:Dibao
    Income:Fund:TemporaryAssistance / Income:Lottery / Income:Donations
    Expenses:Benefits:City:Dibao                      benefits paid (per level, program)
    Expenses:Benefits:District:D350203:Dibao
    Expenses:WriteOff:Dibao                           recoveries written off
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = ("city", "district", "street")
LEVEL_COMPONENT = {"city": "City", "district": "District", "street": "Street"}
LEVEL_ZH = {"city": "市级", "district": "区级", "street": "街镇级"}
DISTRICT_RE = re.compile(r"^\d{6}$")
# One Beancount account component: a capital letter or digit, then letters, digits or hyphens.
COMPONENT_RE = re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$")
ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")


def program_component(program: str) -> str:
    """`low_income` → `LowIncome`, `retired_40pct` → `Retired40pct`: a Beancount component."""
    if not program or not re.fullmatch(r"[a-z][a-z0-9_]*", program):
        raise ValueError(f"program code {program!r} is not a snake_case code")
    return "".join(part[:1].upper() + part[1:] for part in program.split("_"))


@dataclass(frozen=True)
class AccountSpec:
    """What an account is: its Beancount name and the dimensions it stands for."""

    code: str
    root: str
    fund: (
        str  # budget | clearing | recoveries | payable | temporary_assistance | lottery | donation
    )
    level: str = ""  # city | district | street | '' (not per level)
    district: str = ""  # the district's 6-digit code, for the district and street levels
    program: str = ""

    def __post_init__(self) -> None:
        parts = self.code.split(":")
        if parts[0] not in ROOTS or len(parts) < 2:
            raise ValueError(f"account {self.code!r} has no Beancount root")
        for part in parts[1:]:
            if not COMPONENT_RE.match(part):
                raise ValueError(f"account {self.code!r}: component {part!r} is not valid")


def _level_path(level: str, district: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if level == "city":
        if district:
            raise ValueError("the city level takes no district")
        return "City"
    if not DISTRICT_RE.match(district or ""):
        raise ValueError(f"level {level!r} needs a 6-digit district code, not {district!r}")
    return f"{LEVEL_COMPONENT[level]}:D{district}"


def treasury(level: str, district: str = "") -> AccountSpec:
    return AccountSpec(
        f"Assets:Treasury:{_level_path(level, district)}", "Assets", "budget", level, district
    )


def budget_income(level: str, district: str, program: str) -> AccountSpec:
    path = _level_path(level, district)
    return AccountSpec(
        f"Income:Budget:{path}:{program_component(program)}",
        "Income",
        "budget",
        level,
        district,
        program,
    )


def benefit_expense(level: str, district: str, program: str) -> AccountSpec:
    path = _level_path(level, district)
    return AccountSpec(
        f"Expenses:Benefits:{path}:{program_component(program)}",
        "Expenses",
        "budget",
        level,
        district,
        program,
    )


def payable(program: str) -> AccountSpec:
    return AccountSpec(
        f"Liabilities:Payable:{program_component(program)}",
        "Liabilities",
        "payable",
        program=program,
    )


def bank_clearing() -> AccountSpec:
    return AccountSpec("Assets:Clearing:Bank", "Assets", "clearing")


def recoveries_receivable(program: str) -> AccountSpec:
    return AccountSpec(
        f"Assets:Receivable:Recoveries:{program_component(program)}",
        "Assets",
        "recoveries",
        program=program,
    )


def write_off(program: str) -> AccountSpec:
    return AccountSpec(
        f"Expenses:WriteOff:{program_component(program)}", "Expenses", "recoveries", program=program
    )


# The special funds (POLICY §10): their asset and their income account.
SPECIAL_FUNDS = {
    "temporary_assistance": ("Assets:Fund:TemporaryAssistance", "Income:Fund:TemporaryAssistance"),
    "lottery": ("Assets:Fund:Lottery", "Income:Lottery"),
    "donation": ("Assets:Fund:Donations", "Income:Donations"),
}


def fund_asset(fund: str) -> AccountSpec:
    return AccountSpec(SPECIAL_FUNDS[fund][0], "Assets", fund, level="city")


def fund_income(fund: str) -> AccountSpec:
    return AccountSpec(SPECIAL_FUNDS[fund][1], "Income", fund, level="city")


def name_zh(spec: AccountSpec, program_name: str = "", district_name: str = "") -> str:
    """The account's Chinese label, for the screens and the statements."""
    level = LEVEL_ZH.get(spec.level, "")
    where = f"{district_name or spec.district}{level}" if spec.district else level
    root = spec.code.split(":")[1]
    labels = {
        "Treasury": f"{where}财政资金",
        "Clearing": "银行代发清算户",
        "Receivable": f"应收追回款-{program_name}",
        "Fund": {
            "temporary_assistance": "临时救助资金",
            "lottery": "福利彩票公益金",
            "donation": "社会捐赠资金",
        }.get(spec.fund, ""),
        "Payable": f"应付救助金-{program_name}",
        "Budget": f"{where}预算拨款-{program_name}",
        "Lottery": "福利彩票公益金收入",
        "Donations": "社会捐赠收入",
        "Benefits": f"{where}救助支出-{program_name}",
        "WriteOff": f"核销-{program_name}",
    }
    if spec.code == "Income:Fund:TemporaryAssistance":
        return "临时救助资金筹集"
    return labels.get(root, spec.code)
