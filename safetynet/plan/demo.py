"""The demo city's plan (`safetynet plan demo`, run by `make demo`): the seed's tasks with some
progress (a few done, some overdue, district plans attached), care institutions with placements
of tekun persons who cannot care for themselves, rural happiness homes in the rural districts'
villages at every stage, service stations for the streets' communities (one per community, one
for several, several in one, some communities left uncovered), purchased services, base villages
and their projects, the temporary-assistance fund of the year, and six months of snapshots.
Deterministic (a fixed seed) and safe to re-run: each part is made once."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Q

from safetynet.cases import clock
from safetynet.registry.models import Division, DivisionLevel, Enrolment, Person

from . import seed, services
from .models import (
    BaseVillage,
    CareInstitution,
    HappinessHome,
    HomeStatus,
    PlanTask,
    ProgressReport,
    ServicePurchase,
    ServiceStation,
)

RURAL_DISTRICTS = ("350205", "350211", "350212", "350213")  # 海沧、集美、同安、翔安
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _month(d: dt.date, back: int) -> str:
    y, m = divmod(d.year * 12 + d.month - 1 - back, 12)
    return f"{y:04d}-{m + 1:02d}"


def _communities(prefixes) -> list[Division]:
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    return list(
        Division.objects.filter(q, level=DivisionLevel.COMMUNITY, valid_to__isnull=True).order_by(
            "code"
        )
    )


@transaction.atomic
def demo_load(*, actor) -> list[str]:
    """Everything in one transaction: a failure leaves no half-made part behind."""
    rng = random.Random(13)
    today = clock.today()
    out = [f"tasks\t{seed.seed_tasks(actor=actor)} created"]
    out += _progress(actor, rng, today)
    out += _care(actor, rng, today)
    out += _homes(actor, rng, today)
    out += _stations(actor, rng, today)
    out += _projects(actor, rng, today)
    out += _fund(actor, today)
    n = 0
    for back in range(5, -1, -1):
        n += services.snapshot_take(actor=actor, month=_month(today, back))
    out.append(f"snapshots\t{n} figures (6 months)")
    return out


def _progress(actor, rng, today) -> Iterator[str]:
    if ProgressReport.objects.exists():
        return
    n = 0
    for i, task in enumerate(PlanTask.objects.order_by("code")):
        months = [_month(today, b) for b in (2, 1)]
        for j, period in enumerate(months):
            services.progress_report(
                actor=actor,
                task_id=task.pk,
                period=period,
                percent=min(100, 40 + 20 * j + (i * 7) % 40),
                text=f"{task.title}：按计划推进，本月完成阶段工作。",
                problems="" if i % 3 else "部分街镇进度偏慢，已督促。",
            )
            n += 1
        for step in task.steps.filter(due_on__lt=today)[: 1 + i % 3]:
            services.step_done(actor=actor, step_id=step.pk, on=step.due_on)
        if task.division_id and i % 2 == 0:
            services.attachment_add(
                actor=actor,
                division_code=task.division_id,
                kind="district_plan",
                title=f"{task.division.name}困难群众帮扶实施方案",
                upload=PDF,
                task_id=task.pk,
            )
            services.task_done(actor=actor, task_id=task.pk, on=dt.date(2017, 3, 20))
        elif i % 4 == 0:
            services.task_done(actor=actor, task_id=task.pk, on=min(task.due_on, today))
    yield f"progress reports\t{n}"


def _care(actor, rng, today) -> Iterator[str]:
    if CareInstitution.objects.exists():
        return
    districts = list(
        Division.objects.filter(level=DivisionLevel.DISTRICT, valid_to__isnull=True).order_by(
            "code"
        )
    )
    homes = {
        d.code: services.institution_register(
            actor=actor, name=f"{d.name}社会福利中心", division_code=d.code, beds=400
        )
        for d in districts
    }
    tekun = Enrolment.objects.filter(category="tekun", end_date__isnull=True).values("person_id")
    persons = (
        Person.objects.filter(id__in=tekun, selfcare_failed_items__gte=1, death_date__isnull=True)
        .exclude(household_division__isnull=True)
        .order_by("id")
    )
    # districts differ: some meet the 50 % target, some are behind
    share = {d.code: (0.65, 0.55, 0.35, 0.45, 0.6, 0.25)[i % 6] for i, d in enumerate(districts)}
    n = 0
    for p in persons:
        district = p.household_division_id[:6]
        if district not in homes or rng.random() >= share.get(district, 0.5):
            continue
        start = dt.date(2016, 1, 1) + dt.timedelta(
            days=rng.randrange(0, (today - dt.date(2016, 1, 1)).days)
        )
        services.placement_start(
            actor=actor, person_id=p.pk, institution_id=homes[district].pk, on=start
        )
        n += 1
    yield f"care placements\t{n}"


def _homes(actor, rng, today) -> Iterator[str]:
    if HappinessHome.objects.exists():
        return
    villages = _communities(RURAL_DISTRICTS)
    rng.shuffle(villages)
    n = 0
    for i, v in enumerate(villages[:150]):
        year = 2016 + i % 5
        approved = dt.date(year, 1 + rng.randrange(0, 6), 1 + rng.randrange(0, 28))
        home = services.home_register(
            actor=actor,
            name=f"{v.name}幸福院" if i % 4 else f"{v.name}老年活动中心",
            village_code=v.code,
            kind="home" if i % 4 else "activity_centre",
            approved_on=approved,
            subsidy_fen=rng.choice((100_000_00, 150_000_00, 200_000_00)),
            places=rng.choice((20, 30, 40)),
        )
        n += 1
        stage = i % 7  # most completed; some still approved or building
        on = approved
        for status in (HomeStatus.BUILDING, HomeStatus.COMPLETED, HomeStatus.OPERATING):
            if stage == 0 or (stage == 1 and status != HomeStatus.BUILDING):
                break
            on = min(on + dt.timedelta(days=rng.randrange(60, 200)), today)
            services.home_advance(actor=actor, home_id=home.pk, status=status, on=on)
            if status == HomeStatus.OPERATING:
                for k in range(2):
                    services.home_activity_add(
                        actor=actor,
                        home_id=home.pk,
                        on=min(on + dt.timedelta(days=30 * (k + 1)), today),
                        title=("重阳敬老活动", "健康讲座")[k],
                        attendance=rng.randrange(15, 60),
                    )
    yield f"happiness homes\t{n}"


PROJECT_NAMES = ("特色产业", "革命旧址修缮", "烈士纪念设施维护")
SERVICES = ["低保受理", "特困申请", "临时救助", "高龄津贴", "残疾人补贴", "居家养老"]


def _stations(actor, rng, today) -> Iterator[str]:
    if ServiceStation.objects.exists():
        return
    n = 0
    streets = Division.objects.filter(level=DivisionLevel.STREET, valid_to__isnull=True)
    for street in streets.order_by("code"):
        communities = list(street.children.filter(valid_to__isnull=True).order_by("code"))
        i = 0
        k = 0
        # leave the last community of every third street uncovered
        usable = (
            communities[:-1]
            if (len(communities) > 2 and int(street.code[-1]) % 3 == 0)
            else communities
        )
        while i < len(usable):
            k += 1
            take = 2 if (k % 3 == 0 and i + 1 < len(usable)) else 1
            group = usable[i : i + take]
            mode = "one_for_several" if take == 2 else "one_per"
            services.station_register(
                actor=actor,
                name=f"{group[0].name}社区工作站" if take == 1 else f"{street.name}联合工作站{k}",
                street_code=street.code,
                community_codes=[c.code for c in group],
                mode=mode,
                services=rng.sample(SERVICES, 4),
                opening_hours="周一至周五 8:30-12:00, 14:30-17:30",
                opened_on=dt.date(2017, 1 + k % 12, 1),
                grid_code=f"WG{group[0].code}",
            )
            n += 1
            if k % 5 == 0 and take == 1:  # a large community with a second station
                services.station_register(
                    actor=actor,
                    name=f"{group[0].name}第二工作站",
                    street_code=street.code,
                    community_codes=[group[0].code],
                    mode="several_in_one",
                    services=rng.sample(SERVICES, 3),
                    opening_hours="周一至周六 9:00-17:00",
                    opened_on=dt.date(2018, 3, 1),
                    grid_code=f"WG{group[0].code}B",
                )
                n += 1
            i += take
    yield f"service stations\t{n}"


def _projects(actor, rng, today) -> Iterator[str]:
    if ServicePurchase.objects.exists() or BaseVillage.objects.exists():
        return
    districts = list(
        Division.objects.filter(level=DivisionLevel.DISTRICT, valid_to__isnull=True).order_by(
            "code"
        )
    )
    for i, d in enumerate(districts):
        kind = "social_work" if i % 2 == 0 else "volunteer"
        p = services.purchase_register(
            actor=actor,
            title=f"{d.name}困难群众{'社会工作' if kind == 'social_work' else '志愿'}服务项目",
            kind=kind,
            division_code=d.code,
            provider=f"{d.name}社会工作服务中心",
            contract_number=f"GM-2017-{i + 1:03d}",
            starts_on=dt.date(2017, 3, 1),
            ends_on=dt.date(2018, 2, 28),
            amount_fen=rng.choice((300_000_00, 450_000_00, 600_000_00)),
        )
        services.purchase_evaluate(
            actor=actor,
            purchase_id=p.pk,
            beneficiaries=rng.randrange(200, 900),
            volunteer_hours=rng.randrange(500, 4000),
            score=rng.randrange(72, 98),
            on=dt.date(2018, 3, 15),
        )
    yield f"service purchases\t{len(districts)}"
    villages = _communities(("350212", "350213"))[:10]
    kinds = ("economy", "site", "memorial")
    for i, v in enumerate(villages):
        bv = services.base_village_register(
            actor=actor,
            village_code=v.code,
            weak=i % 3 == 0,
            note="挂钩帮扶重点村" if i % 3 == 0 else "",
        )
        for k in range(2):
            pr = services.village_project_add(
                actor=actor,
                village_id=bv.pk,
                kind=kinds[(i + k) % 3],
                title=f"{v.name}{PROJECT_NAMES[(i + k) % 3]}项目",
                year=2017 + k,
                budget_fen=(800_000_00 if bv.weak else 300_000_00) // (k + 1),
            )
            done = (i + k) % 3
            services.village_project_progress(
                actor=actor,
                project_id=pr.pk,
                status=("planned", "building", "done")[done],
                percent=(0, 60, 100)[done],
                spent_fen=(0, pr.budget_fen // 2, pr.budget_fen)[done],
            )
    yield f"base villages\t{len(villages)}"


def _fund(actor, today) -> Iterator[str]:
    from safetynet.core.errors import ServiceError
    from safetynet.funds.models import FundIncome
    from safetynet.funds.services import ta_fund_raise

    if FundIncome.objects.filter(kind="ta_fund", on__year=today.year).exists():
        return
    try:
        ta_fund_raise(actor=actor, year=today.year)
    except ServiceError as exc:  # e.g. no registered population: the target says so
        yield f"temporary-assistance fund\tnot raised ({exc.code})"
        return
    yield f"temporary-assistance fund\t{today.year} raised"
