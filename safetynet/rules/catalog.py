"""The one catalogue of program and recipient-category names (POLICY §1, §3).

Every place that names a program or a recipient category reads it here: the rules engine's
registry (titles), the verification report (Chinese names), the parameter screens and the API
(labels), the registry's and verification's model choices, and the Excel importer (the short
Chinese labels a roster uses). Pure data: no import of the engine, of numpy or of Django, so any
module can read it without an import cycle.

Fields:
- ``title``: English with the Chinese term, the rules engine's title (``safetynet rules``, API);
- ``name_zh``: the official Chinese name, shown in Chinese screens and reports;
- ``short_zh``: the short label a roster spreadsheet uses (救助类别 column);
- ``choice``: the English msgid of the model choice (translated by the Django catalogues; kept
  byte-identical to the migrations' choices).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    code: str
    title: str
    name_zh: str
    short_zh: str
    choice: str
    program: bool  # a rules-engine program (has a registry entry in safetynet.rules.PROGRAMS)
    category: bool  # a recipient database of the registry (Enrolment.category)


def _e(code, title, name_zh, short_zh, choice, program=True, category=True) -> Entry:
    return Entry(code, title, name_zh, short_zh, choice, program, category)


# In the order of POLICY §3 (programs) and §1 (recipient databases).
ENTRIES: tuple[Entry, ...] = (
    _e(
        "tekun",
        "Extremely poor persons (特困人员救助供养)",
        "特困人员救助供养",
        "特困",
        "Extremely poor (特困)",
    ),
    _e(
        "dibao",
        "Minimum living guarantee (最低生活保障, 低保)",
        "最低生活保障（低保）",
        "低保",
        "Minimum living allowance (低保)",
    ),
    _e(
        "low_income",
        "Low-income household (低收入家庭)",
        "低收入家庭",
        "低收入家庭",
        "Low-income family (低收入家庭)",
    ),
    _e(
        "illness_poverty",
        "Illness-expenditure poor household (因病支出型贫困家庭)",
        "因病支出型贫困家庭",
        "因病支出型贫困",
        "Illness-expenditure poor (因病支出型贫困)",
    ),
    _e(
        "price_subsidy",
        "Price-linked temporary subsidy (价格临时补贴)",
        "价格临时补贴",
        "价格临时补贴",
        "Price-linked temporary subsidy",
        category=False,
    ),
    _e(
        "temporary_assistance",
        "Temporary assistance (临时救助)",
        "临时救助",
        "临时救助",
        "Temporary assistance",
        category=False,
    ),
    _e(
        "disaster_housing",
        "Rural post-disaster housing grant (农村住房灾后重建补助)",
        "农村住房灾后重建补助",
        "灾后重建",
        "Post-disaster housing grants",
        category=False,
    ),
    _e(
        "five_elders",
        "Revolutionary five elders (革命五老)",
        "革命五老",
        "革命五老",
        "Revolutionary five elders (革命五老)",
    ),
    _e(
        "entitled_groups",
        "Entitled groups' funeral grant (优抚对象丧葬补助)",
        "优抚对象丧葬补助",
        "优抚对象丧葬补助",
        "Entitled groups' funeral grant",
        category=False,
    ),
    _e(
        "age_allowance",
        "Age allowance (高龄津贴)",
        "高龄津贴",
        "高龄津贴",
        "Age allowance",
        category=False,
    ),
    _e(
        "disability",
        "Disability two subsidies (困难残疾人生活补贴和重度残疾人护理补贴)",
        "困难残疾人生活补贴和重度残疾人护理补贴",
        "残疾人两项补贴",
        "Disability two subsidies",
        category=False,
    ),
    _e(
        "funeral_exemption",
        "Basic funeral fee exemption (基本殡葬费用免除)",
        "基本殡葬费用免除",
        "殡葬费用免除",
        "Basic funeral fee exemption",
        category=False,
    ),
    _e(
        "silicosis",
        "Silicosis relief (矽肺病救济)",
        "矽肺病救济",
        "矽肺病",
        "Silicosis relief (矽肺病救济)",
    ),
    _e(
        "retired_40pct",
        "1960s retired workers' 40% relief (60年代退职职工40%救济)",
        "60年代退职职工40%救济",
        "60年代退职职工",
        "1960s retired worker on 40% relief (60年代退职职工)",
    ),
    # medical assistance: settled per hospital bill (rules/medical.py), neither a monthly
    # program of the engine nor a recipient database
    _e(
        "medical_assistance",
        "Medical assistance (医疗救助)",
        "医疗救助",
        "医疗救助",
        "Medical assistance (医疗救助)",
        program=False,
        category=False,
    ),
    # 12349 elderly care: the government-paid service credit (rules/eldercare.py), spent on
    # providers' orders and paid to them monthly (safetynet/eldercare)
    _e(
        "eldercare_credit",
        "Government-paid elderly service credit (政府购买居家养老服务)",
        "政府购买居家养老服务",
        "居家养老服务",
        "Elderly service credit (政府购买居家养老服务)",
        program=False,
        category=False,
    ),
    # recipient databases that are no rules-engine program
    _e(
        "left_behind_child",
        "Left-behind child (留守儿童)",
        "留守儿童",
        "留守儿童",
        "Left-behind child (留守儿童)",
        program=False,
    ),
    _e(
        "entitled_group",
        "Key entitled group (重点优抚对象)",
        "重点优抚对象",
        "重点优抚对象",
        "Key entitled group (重点优抚对象)",
        program=False,
    ),
    _e(
        "elderly_80",
        "Elderly 80+ (高龄老人)",
        "高龄老人",
        "高龄老人",
        "Elderly 80+ (高龄老人)",
        program=False,
    ),
    _e(
        "disabled",
        "Disabled person (残疾人)",
        "残疾人",
        "残疾人",
        "Disabled person (残疾人)",
        program=False,
    ),
    _e(
        "deceased",
        "Deceased (funeral) (殡葬)",
        "殡葬",
        "殡葬",
        "Deceased (funeral) (殡葬)",
        program=False,
    ),
)

CATALOG: dict[str, Entry] = {e.code: e for e in ENTRIES}
PROGRAM_CODES: tuple[str, ...] = tuple(e.code for e in ENTRIES if e.program)
CATEGORY_CODES: tuple[str, ...] = tuple(e.code for e in ENTRIES if e.category)
# The household programs a verification concludes on and the batch re-verifies (POLICY §1).
VERIFIED_PROGRAMS: tuple[str, ...] = ("dibao", "tekun", "low_income", "illness_poverty")


def name_zh(code: str) -> str:
    """The Chinese name of a program or category (the code itself if unknown)."""
    e = CATALOG.get(code)
    return e.name_zh if e else code


def title(code: str) -> str:
    e = CATALOG.get(code)
    return e.title if e else code


def label(code: str, language: str | None) -> str:
    """The label for a language code (Chinese for ``zh*``, else the English title)."""
    if language and language.lower().startswith("zh"):
        return name_zh(code)
    return title(code)


# Parameters each program reads: name -> unit; the shipped tree must define each (checked at
# load by parameters.load_tree). Here rather than in programs.py so that loading parameters does
# not import the programs (no import cycle).
REQUIRED_PARAMETERS: dict[str, str] = {
    "dibao.standard": "fen",
    "dibao.financial_assets_months": "count",
    "dibao.max_vehicles": "count",
    "dibao.max_homes": "count",
    "dibao.max_businesses": "count",
    "dibao.funding": "ratio_table",
    "dibao_adjustment.min_wage_ratio_min": "ratio",
    "dibao_adjustment.min_wage_ratio_max": "ratio",
    "minimum_wage.monthly": "fen",
    "price_indices.cpi_yoy": "ratio",
    "price_indices.food_cpi_yoy": "ratio",
    "price_indices.scpi_annual_yoy": "ratio",
    "price_indices.food_annual_yoy": "ratio",
    "price_subsidy.cpi_threshold": "ratio",
    "price_subsidy.food_cpi_threshold": "ratio",
    "price_subsidy.minimum": "fen",
    "price_subsidy.funding": "ratio_table",
    "low_income.multiplier": "ratio",
    "low_income.financial_assets_months": "count",
    "illness_poverty.window_months": "count",
    "illness_poverty.line_multiplier": "ratio",
    "tekun.basic_living_multiplier": "ratio",
    "tekun.min_age": "count",
    "tekun.child_age": "count",
    "tekun.no_capacity_disabilities": "list",
    "tekun.partly_disabled_min_failed": "count",
    "tekun.fully_disabled_min_failed": "count",
    "tekun.care_ratio": "ratio_table",
    "tekun.funding": "ratio_table",
    "temporary_assistance.cap_multiple": "ratio_table",
    "temporary_assistance.advance_cap_multiple": "ratio",
    "temporary_assistance.fund_per_capita_year": "fen",
    "temporary_assistance.funding": "ratio_table",
    "disaster_housing.cap": "fen_table",
    "disaster_housing.weak_selfcare_min_failed": "count",
    "disaster_housing.funding": "ratio_table",
    "disaster_housing.stage_shares": "ratio_table",
    "disaster_housing.transitional_aid_daily": "fen",
    "five_elders.monthly_subsidy": "fen",
    "five_elders.growth_rate": "ratio",
    "five_elders.funeral_grant_months": "count",
    "five_elders.funding": "ratio_table",
    "entitled_groups.funeral_grant_months": "count",
    "entitled_groups.funeral_grant_excluded": "list",
    "entitled_groups.funding": "ratio_table",
    "age_allowance.tiers": "fen_table",
    "age_allowance.centenarian_city_share": "fen",
    "age_allowance.remainder_payer": "code",
    "age_allowance.funding": "ratio_table",
    "disability.living_subsidy": "fen",
    "disability.living_subsidy_groups": "list",
    "disability.nursing_subsidy": "fen_table",
    "disability.nursing_grade3_kinds": "list",
    "disability.funding": "ratio_table",
    "funeral_exemption.fees": "fen_table",
    "funeral_exemption.min_permit_months": "count",
    "funeral_exemption.funding": "ratio_table",
    "funeral_exemption.sea_burial_fee": "fen",
    "silicosis.monthly": "fen",
    "silicosis.funding": "ratio_table",
    "retired_40pct.monthly": "fen",
    "retired_40pct.funding": "ratio_table",
    # medical assistance one-stop settlement (rules/medical.py: per hospital bill, not monthly)
    "medical_assistance.ratio": "ratio_table",
    "medical_assistance.deductible": "fen_table",
    "medical_assistance.annual_cap": "fen",
    "medical_assistance.categories": "list",
    "medical_assistance.funding": "ratio_table",
}
