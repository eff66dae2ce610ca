"""The catalogue of verification sources (核对数据来源): who answers, what, how, in which fields.

One `Source` per agency service. Automatic sources answer over HTTP at once; manual ones by file
exchange, days later. Every source declares the data items (信息类型) it supplies, the extract of
the generated city that feeds its simulator, and its response fields. Money is always int fen in
records; manual response files carry yuan with two decimals and are converted exactly on import.

Pure Python: no Django import, so batch jobs and the simulator can use it. The contract is
documented for people in docs/verification-sources.md; `tests/verification/test_sources.py`
checks that the two and the generated extracts agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class FieldType(StrEnum):
    STRING = "string"
    DATE = "date"  # ISO 8601 "YYYY-MM-DD" in JSON; a date cell (or that text) in a file
    INT = "int"
    FEN = "fen"  # money: int fen in JSON; yuan with at most 2 decimals in an exchange file
    BOOL = "bool"


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class DataItem:
    """One information type (信息类型) of the seed's "22 kinds"."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class ResponseField:
    name: str
    type: FieldType
    name_zh: str
    meaning: str
    unit: str = ""
    nullable: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    code: str
    name_zh: str
    name_en: str
    department: Department
    mode: Mode
    data_items: tuple[DataItem, ...]
    extract: str  # file of the generated city, relative to the city directory
    fields: tuple[ResponseField, ...]  # every record also carries "id_number" first
    filter_column: str = ""  # the extract's rows for this source: filter_column == filter_value
    filter_value: str = ""
    description: str = ""

    @property
    def automatic(self) -> bool:
        return self.mode is Mode.AUTOMATIC

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> ResponseField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


# --------------------------------------------------------------------------- departments
PUBLIC_SECURITY = Department("public_security", "公安局", "Public security")
HRSS = Department("hrss", "人力资源和社会保障局", "Human resources and social security")
CIVIL_AFFAIRS = Department("civil_affairs", "民政局", "Civil affairs")
MARKET = Department("market_supervision", "市场监督管理局", "Market supervision")
LAND_HOUSING = Department("land_housing", "国土资源与房产管理局", "Land and housing")
HOUSING_FUND = Department("housing_fund", "住房公积金管理中心", "Housing provident fund centre")
COURT = Department("court", "人民法院（执行查控）", "Courts (enforcement inquiry)")
BANKS_DEPT = Department("banks", "商业银行（专线）", "Commercial banks (dedicated lines)")
TAX = Department("tax", "地方税务局", "Local tax bureau")
SECURITIES = Department("securities", "证券登记结算机构", "Securities depository and brokers")

DEPARTMENTS: dict[str, Department] = {
    d.code: d
    for d in (
        PUBLIC_SECURITY,
        HRSS,
        CIVIL_AFFAIRS,
        MARKET,
        LAND_HOUSING,
        HOUSING_FUND,
        COURT,
        BANKS_DEPT,
        TAX,
        SECURITIES,
    )
}

# --------------------------------------------------------------------------- data items
_ITEMS = (
    ("identity", "身份信息", "Identity (name, sex, birth date)"),
    ("hukou", "户籍登记", "Household registration (hukou)"),
    ("hukou_cancellation", "户籍注销（死亡）", "Hukou cancelled on death"),
    ("vehicle", "机动车登记", "Motor vehicle registration"),
    ("employment", "就业登记", "Employment registration"),
    ("wage", "工资收入", "Wages"),
    ("pension", "养老金", "Pensions"),
    ("social_insurance_contribution", "社会保险缴费", "Social-insurance contributions"),
    ("unemployment_benefit", "失业保险金", "Unemployment-insurance benefit"),
    ("marriage", "婚姻登记", "Marriage registration"),
    ("death_funeral", "死亡火化", "Death and funeral (cremation) records"),
    ("assistance_recipient", "社会救助对象", "Recipients of assistance (any district)"),
    ("business_registration", "工商登记", "Business registration (unified social credit code)"),
    ("registered_capital", "注册资本", "Registered capital"),
    ("real_estate", "不动产登记", "Real estate"),
    ("housing_fund_deposit", "公积金缴存", "Housing provident fund deposits"),
    ("housing_fund_balance", "公积金余额", "Housing provident fund balance"),
    ("court_enforcement", "法院执行案件", "Court enforcement cases"),
    ("dishonest_debtor", "失信被执行人", "Dishonest judgment debtor"),
    ("bank_deposit", "银行存款", "Bank deposits"),
    ("taxable_income", "纳税收入", "Taxable income"),
    ("income_tax", "个人所得税", "Individual income tax paid"),
    ("securities", "证券资产", "Securities holdings"),
)
DATA_ITEMS: dict[str, DataItem] = {c: DataItem(c, zh, en) for c, zh, en in _ITEMS}


def _items(*codes: str) -> tuple[DataItem, ...]:
    return tuple(DATA_ITEMS[c] for c in codes)


def _f(name, type_, zh, meaning, unit="", nullable=False, choices=()) -> ResponseField:
    return ResponseField(name, FieldType(type_), zh, meaning, unit, nullable, tuple(choices))


S, D, I, M, B = "string", "date", "int", "fen", "bool"  # noqa: E741

# The 20 banks on dedicated lines: (bank_code in bank_deposits, Chinese name, English name).
BANKS: tuple[tuple[str, str, str], ...] = (
    ("ICBC", "中国工商银行", "Industrial and Commercial Bank of China"),
    ("ABC", "中国农业银行", "Agricultural Bank of China"),
    ("BOC", "中国银行", "Bank of China"),
    ("CCB", "中国建设银行", "China Construction Bank"),
    ("BOCOM", "交通银行", "Bank of Communications"),
    ("PSBC", "中国邮政储蓄银行", "Postal Savings Bank of China"),
    ("CMB", "招商银行", "China Merchants Bank"),
    ("CIB", "兴业银行", "Industrial Bank"),
    ("CITIC", "中信银行", "China CITIC Bank"),
    ("CEB", "中国光大银行", "China Everbright Bank"),
    ("CMBC", "中国民生银行", "China Minsheng Bank"),
    ("SPDB", "上海浦东发展银行", "Shanghai Pudong Development Bank"),
    ("HXB", "华夏银行", "Hua Xia Bank"),
    ("PAB", "平安银行", "Ping An Bank"),
    ("CGB", "广发银行", "China Guangfa Bank"),
    ("XMB", "厦门银行", "Bank of Xiamen"),
    ("XMIB", "厦门国际银行", "Xiamen International Bank"),
    ("XMRCB", "厦门农村商业银行", "Xiamen Rural Commercial Bank"),
    ("FJHXB", "福建海峡银行", "Fujian Haixia Bank"),
    ("CZB", "浙商银行", "China Zheshang Bank"),
)

_sources: list[Source] = [
    Source(
        code="ps_hukou",
        name_zh="户籍信息",
        name_en="Household registration (hukou)",
        department=PUBLIC_SECURITY,
        mode=Mode.AUTOMATIC,
        data_items=_items("identity", "hukou", "hukou_cancellation"),
        extract="persons.parquet",
        fields=(
            _f("name", S, "姓名", "Registered name"),
            _f("sex", S, "性别", "Sex", choices=("M", "F")),
            _f("birth_date", D, "出生日期", "Birth date"),
            _f("hukou_division", S, "户籍地", "Registered community (12-digit division code)"),
            _f("household_number", S, "户号", "Hukou household number"),
            _f("relation", S, "与户主关系", "Relation to the head of the hukou household"),
            _f(
                "death_date",
                D,
                "死亡日期",
                "Death date when the hukou was cancelled",
                nullable=True,
            ),
        ),
        description="One record per registered person; none for a number not registered in Xiamen.",
    ),
    Source(
        code="ps_vehicles",
        name_zh="机动车登记信息",
        name_en="Motor vehicles",
        department=PUBLIC_SECURITY,
        mode=Mode.AUTOMATIC,
        data_items=_items("vehicle"),
        extract="agencies/vehicles.parquet",
        fields=(
            _f("plate", S, "号牌号码", "Licence plate"),
            _f("vehicle_kind", S, "车辆类型", "Kind", choices=("small_car", "truck")),
            _f("registration_date", D, "登记日期", "Registration date"),
            _f("estimated_value_fen", M, "估值", "Estimated value", "fen"),
            _f("status", S, "状态", "Registration status"),
        ),
    ),
    Source(
        code="hrss_employment",
        name_zh="就业登记信息",
        name_en="Employment",
        department=HRSS,
        mode=Mode.AUTOMATIC,
        data_items=_items("employment", "wage"),
        extract="agencies/employment.parquet",
        fields=(
            _f("employer_uscc", S, "用人单位统一社会信用代码", "Employer's USCC"),
            _f("employer_name", S, "用人单位名称", "Employer"),
            _f("start_date", D, "入职日期", "Start of employment"),
            _f("end_date", D, "离职日期", "End of employment", nullable=True),
            _f("monthly_wage_fen", M, "月工资", "Monthly wage", "fen/month"),
        ),
    ),
    Source(
        code="hrss_social_insurance",
        name_zh="社会保险缴费及待遇信息",
        name_en="Social-insurance contributions and benefits",
        department=HRSS,
        mode=Mode.AUTOMATIC,
        data_items=_items("social_insurance_contribution", "unemployment_benefit"),
        extract="agencies/social_insurance.parquet",
        fields=(
            _f("scheme", S, "险种", "Scheme", choices=("employee", "unemployment_benefit")),
            _f("employer_uscc", S, "缴费单位", "Contributing employer's USCC", nullable=True),
            _f("contribution_base_fen", M, "缴费基数", "Contribution base", "fen/month", True),
            _f("benefit_monthly_fen", M, "月待遇", "Monthly benefit paid", "fen/month", True),
            _f("paid_through", S, "缴费/发放至", "Last month paid (YYYY-MM)"),
        ),
    ),
    Source(
        code="hrss_pensions",
        name_zh="养老金发放信息",
        name_en="Pensions",
        department=HRSS,
        mode=Mode.AUTOMATIC,
        data_items=_items("pension"),
        extract="agencies/pensions.parquet",
        fields=(
            _f(
                "pension_kind",
                S,
                "养老金类别",
                "Kind",
                choices=("resident_basic", "employee_basic"),
            ),
            _f("monthly_amount_fen", M, "月养老金", "Monthly pension", "fen/month"),
            _f("start_date", D, "起发日期", "First payment"),
            _f("status", S, "状态", "Payment status"),
        ),
    ),
    Source(
        code="ca_marriage",
        name_zh="婚姻登记信息",
        name_en="Marriage registration",
        department=CIVIL_AFFAIRS,
        mode=Mode.AUTOMATIC,
        data_items=_items("marriage"),
        extract="agencies/marriages.parquet",
        fields=(
            _f("spouse_id_number", S, "配偶身份号码", "Spouse's ID number"),
            _f("event", S, "登记类别", "Marriage or divorce", choices=("marriage", "divorce")),
            _f("event_date", D, "登记日期", "Registration date"),
            _f("registry_office", S, "登记机关", "Registry office"),
        ),
    ),
    Source(
        code="ca_death",
        name_zh="死亡及火化信息",
        name_en="Deaths and funerals",
        department=CIVIL_AFFAIRS,
        mode=Mode.AUTOMATIC,
        data_items=_items("death_funeral"),
        extract="agencies/deaths.parquet",
        fields=(
            _f("death_date", D, "死亡日期", "Death date"),
            _f("reported_by", S, "信息来源", "Who recorded it"),
            _f("place", S, "死亡地点", "Place", choices=("hospital", "home", "other")),
            _f("cremated", B, "是否火化", "Cremated"),
            _f("funeral_home", S, "殡仪馆", "Funeral home"),
        ),
    ),
    Source(
        code="ca_recipients",
        name_zh="救助对象信息（全市各区）",
        name_en="Assistance recipients in every district",
        department=CIVIL_AFFAIRS,
        mode=Mode.AUTOMATIC,
        data_items=_items("assistance_recipient"),
        extract="enrolments.parquet",  # joined with persons.parquet and households.parquet
        fields=(
            _f("category", S, "救助类别", "Recipient category (dibao, tekun, ...)"),
            _f("start_date", D, "起始日期", "Start"),
            _f("end_date", D, "终止日期", "End", nullable=True),
            _f("household_number", S, "户号", "Household enrolled"),
            _f("division_code", S, "所属社区", "The household's community (12 digits)"),
            _f("district_code", S, "所属区", "The household's district (6 digits)"),
        ),
        description="Current and past enrolments, whichever district: finds double enrolment.",
    ),
    Source(
        code="market_business",
        name_zh="工商登记信息",
        name_en="Business registration",
        department=MARKET,
        mode=Mode.AUTOMATIC,
        data_items=_items("business_registration", "registered_capital"),
        extract="agencies/businesses.parquet",
        fields=(
            _f("uscc", S, "统一社会信用代码", "Unified social credit code"),
            _f("name", S, "名称", "Registered name"),
            _f("entity_kind", S, "主体类型", "Kind", choices=("individual", "company")),
            _f("role", S, "身份", "The person's role"),
            _f("registered_capital_fen", M, "注册资本", "Registered capital", "fen"),
            _f("registration_date", D, "成立日期", "Registration date"),
            _f("status", S, "登记状态", "Status"),
            _f("district_code", S, "登记区", "Registering district (6 digits)"),
        ),
    ),
    Source(
        code="land_real_estate",
        name_zh="不动产登记信息",
        name_en="Real estate",
        department=LAND_HOUSING,
        mode=Mode.AUTOMATIC,
        data_items=_items("real_estate"),
        extract="agencies/real_estate.parquet",
        fields=(
            _f("certificate_number", S, "不动产权证号", "Title certificate"),
            _f("address", S, "坐落", "Address"),
            _f("usage", S, "用途", "Usage"),
            _f("area_m2", I, "建筑面积", "Floor area", "m²"),
            _f("estimated_value_fen", M, "评估价值", "Estimated value", "fen"),
            _f("registration_date", D, "登记日期", "Registration date"),
        ),
    ),
    Source(
        code="housing_fund",
        name_zh="住房公积金信息",
        name_en="Housing provident fund",
        department=HOUSING_FUND,
        mode=Mode.AUTOMATIC,
        data_items=_items("housing_fund_deposit", "housing_fund_balance"),
        extract="agencies/housing_fund.parquet",
        fields=(
            _f("employer_uscc", S, "缴存单位", "Depositing employer's USCC"),
            _f("monthly_deposit_fen", M, "月缴存额", "Monthly deposit (both shares)", "fen/month"),
            _f("balance_fen", M, "账户余额", "Balance", "fen"),
            _f("status", S, "账户状态", "Account status"),
        ),
    ),
    Source(
        code="court_enforcement",
        name_zh="法院执行查控信息",
        name_en="Court enforcement",
        department=COURT,
        mode=Mode.AUTOMATIC,
        data_items=_items("court_enforcement", "dishonest_debtor"),
        extract="agencies/court_enforcement.parquet",
        fields=(
            _f("case_number", S, "案号", "Case number"),
            _f("court", S, "执行法院", "Court"),
            _f("filing_date", D, "立案日期", "Filing date"),
            _f("amount_fen", M, "执行标的", "Amount to enforce", "fen"),
            _f("status", S, "案件状态", "Status", choices=("executing", "closed")),
            _f("dishonest", B, "失信被执行人", "On the dishonest-debtor list"),
        ),
    ),
]

_BANK_FIELDS = (
    _f("account_number", S, "账号", "Account number"),
    _f("balance_fen", M, "余额", "Balance on the as-of date", "fen"),
    _f("as_of", D, "余额日期", "Balance date"),
)
for _code, _zh, _en in BANKS:
    _sources.append(
        Source(
            code=f"bank_{_code.lower()}",
            name_zh=f"{_zh}存款信息",
            name_en=f"{_en}: deposits",
            department=BANKS_DEPT,
            mode=Mode.AUTOMATIC,
            data_items=_items("bank_deposit"),
            extract="agencies/bank_deposits.parquet",
            fields=_BANK_FIELDS,
            filter_column="bank_code",
            filter_value=_code,
        )
    )

_sources += [
    Source(
        code="tax",
        name_zh="纳税信息",
        name_en="Taxable income and tax paid",
        department=TAX,
        mode=Mode.MANUAL,
        data_items=_items("taxable_income", "income_tax"),
        extract="agencies/tax.parquet",
        fields=(
            _f("tax_year", I, "纳税年度", "Tax year"),
            _f("income_kind", S, "所得类型", "Kind", choices=("wages", "business", "labour")),
            _f("annual_income_fen", M, "年度收入", "Income in the year", "fen/year"),
            _f("tax_paid_fen", M, "已缴税额", "Tax paid in the year", "fen/year"),
        ),
    ),
    Source(
        code="securities",
        name_zh="证券资产信息",
        name_en="Securities",
        department=SECURITIES,
        mode=Mode.MANUAL,
        data_items=_items("securities"),
        extract="agencies/securities.parquet",
        fields=(
            _f("broker", S, "证券公司", "Broker"),
            _f("account_number", S, "资金账号", "Account"),
            _f("market_value_fen", M, "市值", "Market value on the as-of date", "fen"),
            _f("as_of", D, "市值日期", "Valuation date"),
        ),
    ),
]

SOURCES: dict[str, Source] = {s.code: s for s in _sources}
del _sources, _code, _zh, _en


def get_source(code: str | Source) -> Source:
    """The source with this code (or the source itself); KeyError if unknown."""
    return code if isinstance(code, Source) else SOURCES[code]


def automatic_sources() -> list[Source]:
    return [s for s in SOURCES.values() if s.mode is Mode.AUTOMATIC]


def manual_sources() -> list[Source]:
    return [s for s in SOURCES.values() if s.mode is Mode.MANUAL]


def bank_sources() -> list[Source]:
    return [s for s in SOURCES.values() if s.department is BANKS_DEPT]


def value_fits(f: ResponseField, value) -> bool:
    """Whether a JSON value fits a declared response field (type, nullability, choices)."""
    if value is None:
        return f.nullable
    match f.type:
        case FieldType.STRING:
            ok = isinstance(value, str)
        case FieldType.DATE:
            ok = isinstance(value, str) and len(value) == 10
            if ok:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    ok = False
        case FieldType.INT | FieldType.FEN:
            ok = isinstance(value, int) and not isinstance(value, bool)
        case FieldType.BOOL:
            ok = isinstance(value, bool)
        case _:
            ok = False
    return ok and (not f.choices or value in f.choices)
