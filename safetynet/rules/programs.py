"""Every program of POLICY §3 as a vectorized formula over one month's columns.

Conventions (see docs/rules.md):
- money is int64 fen; a ratio times money is rounded half up to the fen (``mul_ratio``);
- "age in a month" = whole years completed by the end of the previous month, a birthday
  counting as reached in its month: ``(months_since_birth - 1) // 12``. So an age-linked
  benefit (or tier) starts the month AFTER the birthday month, for every tier alike;
- a member counts for a month through the month of death (benefits stop after it);
- an enrolment's start month is its approval month: payable from the next month through
  the end (exit) month.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .batch import Batch
from .catalog import REQUIRED_PARAMETERS  # noqa: F401  (re-exported)
from .columns import DISABILITY_KINDS, ENTITLED_KINDS, SUPPORT_FORMS
from .engine import (
    Ctx,
    ProgramResult,
    SparseSplit,
    _scatter,
    household_result,
    person_result,
    program,
    select_reason,
    split_funding,
)
from .money import mul_ratio

Results = dict[str, ProgramResult]


# parameter name -> unit (the catalogue holds them: loading parameters must not import programs)
def age_years(b: Batch) -> np.ndarray:
    """Whole years completed by the end of the previous month (see module doc)."""
    return b.age


def _kind(name: str, table: tuple[str, ...]) -> int:
    return table.index(name)


def _registered(b: Batch) -> np.ndarray:
    """Registered household (户籍): division in 3502, a living Xiamen-registered member."""
    key = "registered"
    if key not in b.cache:
        b.cache[key] = b.h["division_xiamen"] & b.hh_any(b.alive_registered)
    return b.cache[key]


def _assets_ok(b: Batch, ctx: Ctx, line: int, months_param: str) -> np.ndarray:
    """Asset limits (家庭财产): financial assets ≤ months × line × members; vehicles, homes,
    businesses within the dibao counts. Computed once per batch and limit (tekun and dibao
    share it), except when tracing: each program's trace then records its own figures."""
    key = f"assets:{line}:{months_param}"
    if not ctx.figures and key in b.cache:
        # the lookups the cached value depends on, made again (scalar, cheap): a caller that
        # records what a program reads (the what-if, ADR 1410) sees them on a hit too
        for name in (months_param, "dibao.max_vehicles", "dibao.max_homes", "dibao.max_businesses"):
            ctx.pv(name)
        return b.cache[key]
    months = ctx.value("financial_assets_months", ctx.p(months_param))
    fin_limit = ctx.hfig(
        "financial-asset limit (months × line × members)", line * months * b.members
    )
    ctx.named("financial_asset_limit_fen", fin_limit)
    fin = ctx.hfig("declared financial assets", b.h["declared_financial_assets_fen"])
    ctx.named("financial_assets_fen", fin)
    fin_ok = ctx.named("financial_assets_ok", fin <= fin_limit)
    ok = fin_ok.copy()
    for item in ("vehicles", "homes", "businesses"):
        ok &= b.h[f"declared_{item}"] <= ctx.value(f"max_{item}", ctx.p(f"dibao.max_{item}"))
    b.cache[key] = ok
    ctx.named("assets_ok", ok)
    return ctx.hfig("assets within limits", ok, "bool")


def _timing(b: Batch, category: str, level: str) -> tuple[np.ndarray, np.ndarray]:
    """(has record, payable by timing) at household or person level."""
    has, pay = b.enrolment(category)
    if level == "household":
        return b.hh_any(has), b.hh_any(pay)
    return has, pay


# ===================================================================== tekun 特困人员
@program("tekun", "person")
def tekun(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    std = ctx.p("dibao.standard")
    age = ctx.pfig("age in years (completed by end of previous month)", age_years(b), "count")
    no_capacity = (age >= ctx.p("tekun.min_age")) | (age < ctx.p("tekun.child_age"))
    grade = b.p["disability_grade"]
    for item in ctx.p("tekun.no_capacity_disabilities"):
        kind, max_grade = item.split(":")
        no_capacity |= (
            (b.p["disability_kind"] == _kind(kind, DISABILITY_KINDS))
            & (grade >= 1)
            & (grade <= int(max_grade))
        )
    ctx.pfig("no working capacity (无劳动能力)", no_capacity, "bool")
    ctx.value("standard_fen", std)
    ctx.value("line_fen", std)
    ctx.named("members", b.members)
    income = ctx.pnamed("own_income_fen", ctx.pfig("own counted income", b.counted_income_p))
    income_ok = ctx.pnamed("income_ok", income < std)
    assets_ok = b.to_person(_assets_ok(b, ctx, std, "dibao.financial_assets_months"))
    no_supporter = ~b.p["has_capable_supporter"]
    orphan = b.p["is_orphan"] & (age < ctx.p("tekun.child_age"))
    has, pay = _timing(b, "tekun", "person")
    timing_ok = ~has | pay
    rule = b.alive_registered & no_capacity & income_ok & assets_ok & no_supporter & ~orphan
    eligible = rule & timing_ok
    # six-item self-care assessment (生活自理能力) -> tier 0 capable, 1 partly, 2 fully disabled
    # (a table over the 256 int8 values: one gather)
    values = np.arange(256, dtype=np.uint8).view(np.int8).astype(np.int64)
    tier_of = np.where(
        values >= ctx.p("tekun.fully_disabled_min_failed"),
        2,
        np.where(values >= ctx.p("tekun.partly_disabled_min_failed"), 1, 0),
    ).astype(np.int8)
    tier = np.take(tier_of, b.p["selfcare_failed_items"].view(np.uint8))
    ctx.pfig("self-care tier (0 capable/全自理, 1 partly/半护理, 2 fully/全护理)", tier, "code")
    basic = ctx.fig(
        "basic living standard (基本生活标准) = standard × multiplier",
        mul_ratio(std, ctx.p("tekun.basic_living_multiplier")),
    )
    min_wage = ctx.p("minimum_wage.monthly")
    ratios = ctx.p("tekun.care_ratio")
    care_by_tier = np.array(
        [mul_ratio(min_wage, ratios[k]) for k in ("capable", "partly", "fully")], dtype=np.int64
    )
    ctx.fig("care standards by tier (照料护理标准) = minimum wage × ratio", care_by_tier)
    amount_of_tier = basic + care_by_tier
    if ctx.tracing:
        ctx.pfig("basic living + care", amount_of_tier[tier])
    reasons = select_reason(
        [
            (~b.alive, "NOT_ALIVE"),
            (~b.p["hukou_xiamen"], "NOT_REGISTERED"),
            (orphan, "ORPHAN_BENEFITS_INSTEAD"),
            (~no_capacity, "HAS_WORKING_CAPACITY"),
            (~income_ok, "INCOME_AT_OR_ABOVE_STANDARD"),
            (~assets_ok, "ASSETS_ABOVE_LIMIT"),
            (~no_supporter, "HAS_CAPABLE_SUPPORTER"),
            (~timing_ok, "NOT_IN_PAYMENT_PERIOD"),
        ],
        b.n_persons,
    )
    # the amount only where paid (few persons): no full-size arithmetic
    idx = np.flatnonzero(eligible)
    paid = _scatter(b.n_persons, idx, amount_of_tier[tier[idx]])
    return person_result(
        ctx,
        b,
        eligible,
        paid,
        reasons,
        "tekun.funding",
        p_extra={"selfcare_tier": tier, "support_form": b.p["tekun_support_form"]},
        paid=True,
    )


# ===================================================================== dibao 低保
@program("dibao", "household", ("tekun",))
def dibao(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    std = ctx.value("standard_fen", ctx.p("dibao.standard"))
    ctx.value("line_fen", std)
    members = ctx.named("members", ctx.hfig("living members (家庭成员)", b.members, "count"))
    income = ctx.named(
        "counted_income_fen",
        ctx.hfig("counted household income (家庭收入, monthly)", b.counted_income_h),
    )
    if ctx.tracing:
        excl = sum(b.hh_sum(b.p[c]) for c in _excluded_columns())
        ctx.hfig("excluded income, not counted (不计入收入)", excl)
        ctx.hfig(
            "per-capita counted income (display, rounded half up)",
            _per_capita_display(income, members),
        )
    threshold = ctx.named("income_limit_fen", ctx.hfig("standard × members", std * members))
    income_ok = ctx.named("income_ok", income < threshold)  # ⟺ per capita < standard
    assets_ok = _assets_ok(b, ctx, std, "dibao.financial_assets_months")
    registered = _registered(b)
    tekun_members = b.hh_sum(res["tekun"].p_eligible & b.alive)
    all_tekun = (members > 0) & (tekun_members == members)
    has, pay = _timing(b, "dibao", "household")
    timing_ok = ~has | pay
    rule = registered & (members > 0) & income_ok & assets_ok & ~all_tekun
    eligible = rule & timing_ok
    amount = ctx.hfig("amount = standard × members − counted income (差额)", threshold - income)
    reasons = select_reason(
        [
            (members <= 0, "NO_LIVING_MEMBERS"),
            (~registered, "NOT_REGISTERED"),
            (~income_ok, "INCOME_AT_OR_ABOVE_STANDARD"),
            (~assets_ok, "ASSETS_ABOVE_LIMIT"),
            (all_tekun, "COVERED_BY_TEKUN"),
            (~timing_ok, "NOT_IN_PAYMENT_PERIOD"),
        ],
        b.n_households,
    )
    r = household_result(ctx, b, eligible, amount, reasons, "dibao.funding")
    r.extra["rule_met"] = rule
    return r


def _excluded_columns() -> tuple[str, ...]:
    from .columns import EXCLUDED_INCOME

    return EXCLUDED_INCOME


def _per_capita_display(income: np.ndarray, members: np.ndarray) -> np.ndarray:
    m = np.maximum(members, 1)
    return (2 * income + m) // (2 * m)


# ===================================================================== low income 低收入家庭
@program("low_income", "household", ("dibao",))
def low_income(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    std = ctx.p("dibao.standard")
    ctx.value("standard_fen", std)
    line = ctx.fig(
        "low-income line = standard × multiplier", mul_ratio(std, ctx.p("low_income.multiplier"))
    )
    ctx.value("line_fen", line)
    members = ctx.named("members", ctx.hfig("living members", b.members, "count"))
    income = ctx.named(
        "counted_income_fen", ctx.hfig("counted household income", b.counted_income_h)
    )
    threshold = ctx.named("income_limit_fen", ctx.hfig("line × members", line * members))
    income_ok = ctx.named("income_ok", income < threshold)
    assets_ok = _assets_ok(b, ctx, line, "low_income.financial_assets_months")
    registered = _registered(b)
    dibao_hh = res["dibao"].extra["rule_met"]
    eligible = dibao_hh | (registered & (members > 0) & income_ok & assets_ok)
    reasons = select_reason(
        [
            (dibao_hh, "DIBAO_HOUSEHOLD_QUALIFIES"),
            (members <= 0, "NO_LIVING_MEMBERS"),
            (~registered, "NOT_REGISTERED"),
            (~income_ok, "INCOME_AT_OR_ABOVE_LINE"),
            (~assets_ok, "ASSETS_ABOVE_LIMIT"),
        ],
        b.n_households,
    )
    z = np.zeros(b.n_households, dtype=np.int64)
    return household_result(ctx, b, eligible, z, reasons, None)


# ===================================================================== illness poverty 因病支出型
@program("illness_poverty", "household")
def illness_poverty(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    std = ctx.p("dibao.standard")
    ctx.value("standard_fen", std)
    line = ctx.fig(
        "line = standard × multiplier", mul_ratio(std, ctx.p("illness_poverty.line_multiplier"))
    )
    ctx.value("line_fen", line)
    window = ctx.value("window_months", ctx.p("illness_poverty.window_months"))
    members = ctx.named("members", ctx.hfig("living members", b.members, "count"))
    ctx.named("counted_income_fen", b.counted_income_h)
    income_w = ctx.hfig("counted income over the window", b.counted_income_h * window)
    oop = ctx.named(
        "medical_oop_fen",
        ctx.hfig("out-of-pocket medical costs over the window", b.h["medical_oop_12m_fen"]),
    )
    net = ctx.named("net_income_window_fen", ctx.hfig("income − medical costs", income_w - oop))
    if ctx.tracing:
        m = np.maximum(members, 1) * window
        ctx.hfig("per-capita monthly net (display, rounded half up)", (2 * net + m) // (2 * m))
    limit = ctx.named(
        "income_limit_fen", ctx.hfig("line × members × window", line * members * window)
    )
    below = ctx.named("income_ok", net < limit)  # ⟺ net / members / window < line, exactly
    has_costs = oop > 0
    assets_ok = _assets_ok(b, ctx, line, "low_income.financial_assets_months")
    registered = _registered(b)
    eligible = registered & (members > 0) & has_costs & below & assets_ok
    reasons = select_reason(
        [
            (members <= 0, "NO_LIVING_MEMBERS"),
            (~registered, "NOT_REGISTERED"),
            (~has_costs, "NO_MEDICAL_EXPENDITURE"),
            (~below, "NET_INCOME_AT_OR_ABOVE_LINE"),
            (~assets_ok, "ASSETS_ABOVE_LIMIT"),
        ],
        b.n_households,
    )
    z = np.zeros(b.n_households, dtype=np.int64)
    return household_result(ctx, b, eligible, z, reasons, None)


# ===================================================================== price subsidy 价格临时补贴
def price_trigger(ctx: Ctx) -> Fraction | None:
    """The month's rise used for the subsidy, or None if neither index triggers."""
    cpi = ctx.series("price_indices.cpi_yoy")
    food = ctx.series("price_indices.food_cpi_yoy")
    rises = []
    if cpi is not None and cpi.value >= ctx.p("price_subsidy.cpi_threshold"):
        rises.append(cpi.value)
    if food is not None and food.value >= ctx.p("price_subsidy.food_cpi_threshold"):
        rises.append(food.value)
    rise = max(rises) if rises else None
    ctx.fig("triggering rise (the larger if both trigger)", rise, "ratio")
    return rise


@program(
    "price_subsidy",
    "person",
    ("dibao", "tekun"),
)
def price_subsidy(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    rise = price_trigger(ctx)
    dibao_p = b.to_person(res["dibao"].eligible)
    tekun_p = res["tekun"].p_eligible
    entitled_p = (b.p["entitled_kind"] > 0) & (b.p["income_entitled_pension_fen"] > 0)
    unemp = b.p["unemployment_insurance"]
    covered = b.alive & (dibao_p | tekun_p | entitled_p | unemp)
    ctx.pfig("covered (dibao / tekun / entitled pension / unemployment insurance)", covered, "bool")
    if rise is None:
        amount_each = 0
        triggered = False
    else:
        std = ctx.p("dibao.standard")
        minimum = ctx.p("price_subsidy.minimum")
        raw = ctx.fig("standard × rise", mul_ratio(std, rise))
        amount_each = ctx.fig("amount per person (at least the minimum)", max(raw, minimum))
        triggered = True
    eligible = covered & triggered
    amount = np.full(b.n_persons, amount_each, dtype=np.int64)
    reasons = select_reason(
        [(np.full(b.n_persons, not triggered), "NOT_TRIGGERED"), (~covered, "NOT_COVERED")],
        b.n_persons,
    )
    return person_result(ctx, b, eligible, amount, reasons, "price_subsidy.funding")


# ===================================================================== temporary 临时救助
@program("temporary_assistance", "household")
def temporary_assistance(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    std = ctx.p("dibao.standard")
    mult = ctx.p("temporary_assistance.cap_multiple")
    caps = np.array(
        [0, mul_ratio(std, mult["emergency"]), mul_ratio(std, mult["expenditure"])],
        dtype=np.int64,
    )
    ctx.fig("caps [none, emergency 急难, expenditure 支出] = standard × multiple", caps)
    kind = b.h["temp_kind"].astype(np.int64)
    requested = ctx.hfig("requested amount", b.h["temp_requested_fen"])
    cap = ctx.hfig("cap for the request's kind", caps[kind])
    has_request = (kind > 0) & (requested > 0)
    members = b.members
    eligible = has_request & (members > 0)
    amount = ctx.hfig("amount = min(requested, cap)", np.minimum(requested, cap))
    reasons = select_reason(
        [(~has_request, "NO_REQUEST"), (members <= 0, "NO_LIVING_MEMBERS")],
        b.n_households,
    )
    reasons = np.where(eligible & (requested > cap), np.int16(_r("CAPPED")), reasons)
    return household_result(
        ctx, b, eligible, amount, reasons.astype(np.int16), "temporary_assistance.funding"
    )


def _r(name: str) -> int:
    from .engine import reason

    return reason(name)


def temporary_assistance_fund(year: int, registered_population: int, params=None) -> int:
    """Annual temporary-assistance fund (fen) = per-capita amount × registered population."""
    import datetime as dt

    from .parameters import load_parameters

    params = params or load_parameters()
    per = params.at("temporary_assistance.fund_per_capita_year", dt.date(year, 1, 1)).value
    return per * registered_population


def emergency_advance_cap(on, members: int, params=None) -> int:
    """Cap (fen) of the emergency advance aid (急难 先行救助, POLICY §8) for a household of
    `members` living members on day `on`: members × (dibao standard × advance multiple), the
    per-person cap rounded half up to the fen."""
    from .parameters import load_parameters

    params = params or load_parameters()
    std = params.at("dibao.standard", on).value
    mult = params.at("temporary_assistance.advance_cap_multiple", on).value
    return int(mul_ratio(std, mult)) * max(int(members), 0)


# ===================================================================== disaster housing 灾后重建
@program(
    "disaster_housing",
    "household",
    ("dibao", "tekun", "low_income"),
)
def disaster_housing(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    caps_t = ctx.p("disaster_housing.cap")
    caps = np.array([0, caps_t["new_build"], caps_t["repair"]], dtype=np.int64)
    kind = b.h["disaster_kind"].astype(np.int64)
    cost = ctx.hfig("assessed cost", b.h["disaster_cost_fen"])
    alive = b.alive
    dibao_hh = res["dibao"].eligible
    tekun_p = res["tekun"].p_eligible & alive
    poor = dibao_hh | res["low_income"].eligible
    five_elders_has, _ = b.enrolment("five_elders")
    disabled = (b.p["disability_grade"] > 0) & alive
    covered = (
        dibao_hh
        | b.hh_any(tekun_p)
        | b.hh_any((b.p["entitled_kind"] > 0) & alive)
        | b.hh_any(five_elders_has & alive)
        | (b.hh_any(disabled) & poor)
    )
    ctx.hfig("covered group (五保/特困, 低保, 重点优抚, 五老, 贫困残疾人)", covered, "bool")
    weak = b.hh_any(
        (b.p["selfcare_failed_items"] >= ctx.p("disaster_housing.weak_selfcare_min_failed")) & alive
    )
    dispersed = b.hh_any(tekun_p & (b.p["tekun_support_form"] == SUPPORT_FORMS.index("dispersed")))
    full = ctx.hfig(
        "full cost (兜底改造): dibao with weak self-care, or dispersed tekun",
        (dibao_hh & weak) | dispersed,
        "bool",
    )
    cap = ctx.hfig("cap for the kind (new build / repair)", caps[kind])
    amount = ctx.hfig("amount", np.where(full, cost, np.minimum(cost, cap)))
    has_request = (kind > 0) & (cost > 0)
    rural = b.h["is_rural"]
    eligible = has_request & rural & covered
    reasons = select_reason(
        [(~has_request, "NO_REQUEST"), (~rural, "NOT_RURAL"), (~covered, "NOT_COVERED")],
        b.n_households,
    )
    return household_result(ctx, b, eligible, amount, reasons, "disaster_housing.funding")


# ===================================================================== five elders 革命五老
def five_elders_subsidy(ctx: Ctx) -> int:
    """Monthly subsidy with natural growth: from the base value's date, each later January 1st
    the amount grows by the growth rate then in force, rounded half up to the fen."""
    import datetime as dt

    base = ctx.pv("five_elders.monthly_subsidy")
    amount = base.value
    start_year = dt.date.fromisoformat(base.effective).year
    for year in range(start_year + 1, ctx.batch.date.year + 1):
        g = ctx.pv_on("five_elders.growth_rate", dt.date(year, 1, 1)).value
        amount = mul_ratio(amount, 1 + g)
        ctx.fig(f"subsidy after growth on {year}-01-01", amount)
    return int(amount)


@program("five_elders", "person")
def five_elders(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    subsidy = five_elders_subsidy(ctx)
    months = ctx.p("five_elders.funeral_grant_months")
    has, pay = b.enrolment("five_elders")
    regular = pay & b.alive
    died_now = has & (b.p["death_ym"] == b.ym) & (b.p["enr_five_elders_start"] <= b.ym)
    # the grant is months × THAT elder's monthly subsidy: the recorded one
    # (income.five_elder_subsidy_fen) when there is one, else the city-wide parameter
    recorded = b.p["income_five_elder_subsidy_fen"]
    base_p = np.where(recorded > 0, recorded, subsidy)
    if ctx.tracing:
        ctx.pfig("monthly subsidy for the grant (recorded, else the parameter)", base_p)
    grant = ctx.pfig(
        "funeral grant = months × monthly subsidy (from 2017)", months * base_p * died_now
    )
    amount = np.where(regular, subsidy, 0) + grant
    eligible = (regular | died_now) & (amount > 0)
    reasons = select_reason(
        [(~has, "NOT_ENROLLED"), (~b.alive, "NOT_ALIVE"), (~pay, "NOT_IN_PAYMENT_PERIOD")],
        b.n_persons,
    )
    return person_result(
        ctx,
        b,
        eligible,
        amount,
        reasons,
        "five_elders.funding",
        p_extra={"funeral_grant_fen": grant.astype(np.int64)},
    )


# ===================================================================== entitled 优抚对象
@program("entitled_groups", "person")
def entitled_groups(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    months = ctx.p("entitled_groups.funeral_grant_months")
    excluded = np.zeros(b.n_persons, dtype=bool)
    for k in ctx.p("entitled_groups.funeral_grant_excluded"):
        excluded |= b.p["entitled_kind"] == _kind(k, ENTITLED_KINDS)
    entitled = b.p["entitled_kind"] > 0
    pension = ctx.pfig("regular pension (定期抚恤补助)", b.p["income_entitled_pension_fen"])
    died_now = b.p["death_ym"] == b.ym
    eligible = entitled & ~excluded & died_now & (pension > 0)
    amount = ctx.pfig("funeral grant = months × pension", pension * months)
    reasons = select_reason(
        [
            (~entitled, "NOT_ENTITLED_GROUP"),
            (excluded, "EXCLUDED_KIND_DISABLED_SERVICEMAN"),
            (~died_now, "NOT_DEATH_MONTH"),
            (pension <= 0, "NO_REGULAR_PENSION"),
        ],
        b.n_persons,
    )
    return person_result(ctx, b, eligible, amount, reasons, "entitled_groups.funding")


# ===================================================================== age allowance 高龄津贴
@program("age_allowance", "person")
def age_allowance(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    tiers = ctx.p("age_allowance.tiers")  # {"80": fen, "90": fen, "100": fen}
    ages = sorted(int(a) for a in tiers)
    age = ctx.pfig("age in years (completed by end of previous month)", age_years(b), "count")
    # tier amount by age: a table indexed by the number of tier ages reached
    tier_amounts = np.array([0] + [tiers[str(a)] for a in ages], dtype=np.int64)
    reached = (age >= ages[0]).view(np.uint8).astype(np.int8)
    for a in ages[1:]:
        reached += (age >= a).view(np.uint8)
    if ctx.tracing:
        ctx.pfig("tier amount", tier_amounts[reached])
    old_enough = reached > 0
    eligible = b.alive_registered & old_enough
    reasons = select_reason(
        [
            (~b.alive, "NOT_ALIVE"),
            (~b.p["hukou_xiamen"], "NOT_REGISTERED"),
            (~old_enough, "UNDER_AGE"),
        ],
        b.n_persons,
    )
    # funding of the (few) eligible persons: centenarian city share fixed, remainder to the
    # district or street/town; the rest by the funding table
    top = str(ages[-1])
    idx = np.flatnonzero(eligible)
    paid = tier_amounts[reached[idx]]
    is_top = reached[idx] == len(ages)
    city_share = ctx.p("age_allowance.centenarian_city_share")
    c, d, s = split_funding(ctx, paid, "age_allowance.funding")
    payer = ctx.p("age_allowance.remainder_payer")
    top_city = np.minimum(paid, city_share)
    top_rest = paid - top_city
    split = SparseSplit(
        idx,
        np.where(is_top, top_city, c),
        np.where(is_top, top_rest if payer == "district" else 0, d),
        np.where(is_top, top_rest if payer == "street" else 0, s),
    )
    ctx.fig(
        f"tier {top}+ funding: city share, remainder payer", f"{city_share} fen, {payer}", "code"
    )
    amount = _scatter(b.n_persons, idx, paid)
    return person_result(ctx, b, eligible, amount, reasons, None, split_p=split, paid=True)


# ===================================================================== disability 残疾人两项补贴
@program(
    "disability",
    "person",
    ("dibao", "low_income"),
)
def disability(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    grade = b.p["disability_grade"]
    kind = b.p["disability_kind"]
    disabled = (grade >= 1) & (grade <= 4)
    groups = ctx.p("disability.living_subsidy_groups")
    poor = np.zeros(b.n_households, dtype=bool)
    for g in groups:
        poor |= res[g].eligible
    poor_p = b.to_person(poor)
    living_amt = ctx.p("disability.living_subsidy")
    living = np.where(disabled & poor_p, living_amt, 0).astype(np.int64)
    nursing_t = ctx.p("disability.nursing_subsidy")
    g3_kinds = [DISABILITY_KINDS.index(k) for k in ctx.p("disability.nursing_grade3_kinds")]
    table = np.zeros(5, dtype=np.int64)
    for g, v in nursing_t.items():
        table[int(g)] = v
    nursing_ok = ((grade >= 1) & (grade <= 2)) | ((grade == 3) & np.isin(kind, g3_kinds))
    nursing = np.where(nursing_ok, table[np.clip(grade, 0, 4)], 0).astype(np.int64)
    ctx.pfig("living subsidy (生活补贴)", living)
    ctx.pfig("nursing subsidy (护理补贴)", nursing)
    base = b.alive_registered & disabled
    amount = living + nursing
    eligible = base & (amount > 0)
    reasons = select_reason(
        [
            (~b.alive, "NOT_ALIVE"),
            (~disabled, "NOT_DISABLED"),
            (~b.p["hukou_xiamen"], "NOT_REGISTERED"),
            (amount <= 0, "NOT_POOR_AND_NOT_SEVERE"),
        ],
        b.n_persons,
    )
    return person_result(
        ctx,
        b,
        eligible,
        amount,
        reasons,
        "disability.funding",
        p_extra={
            "living_fen": np.where(eligible, living, 0),
            "nursing_fen": np.where(eligible, nursing, 0),
        },
    )


# ===================================================================== funeral 基本殡葬费用免除
@program("funeral_exemption", "person")
def funeral_exemption(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    fees = ctx.p("funeral_exemption.fees")
    total = ctx.fig("five basic fees total", sum(fees.values()))
    died_now = b.p["death_ym"] == b.ym
    resident = b.p["hukou_xiamen"] | (
        b.p["residence_permit_months"] >= ctx.p("funeral_exemption.min_permit_months")
    )
    in_xm = b.p["died_in_xiamen"]
    no_other = ~b.p["has_funeral_subsidy"]
    eligible = died_now & in_xm & resident & no_other
    reasons = select_reason(
        [
            (~died_now, "NOT_DEATH_MONTH"),
            (~in_xm, "DIED_OUTSIDE_XIAMEN"),
            (~resident, "NOT_RESIDENT"),
            (~no_other, "HAS_OTHER_FUNERAL_SUBSIDY"),
        ],
        b.n_persons,
    )
    amount = np.full(b.n_persons, total, dtype=np.int64)
    return person_result(ctx, b, eligible, amount, reasons, "funeral_exemption.funding")


# ===================================================================== silicosis / 40%
def _flat_enrolled(b: Batch, ctx: Ctx, category: str, param: str) -> ProgramResult:
    monthly = ctx.p(param)
    has, pay = b.enrolment(category)
    eligible = pay & b.alive
    reasons = select_reason(
        [(~has, "NOT_ENROLLED"), (~b.alive, "NOT_ALIVE"), (~pay, "NOT_IN_PAYMENT_PERIOD")],
        b.n_persons,
    )
    amount = np.full(b.n_persons, monthly, dtype=np.int64)
    return person_result(ctx, b, eligible, amount, reasons, f"{category}.funding")


@program("silicosis", "person")
def silicosis(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    return _flat_enrolled(b, ctx, "silicosis", "silicosis.monthly")


@program("retired_40pct", "person")
def retired_40pct(b: Batch, ctx: Ctx, res: Results) -> ProgramResult:
    return _flat_enrolled(b, ctx, "retired_40pct", "retired_40pct.monthly")
