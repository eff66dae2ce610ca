"""The plan's tasks as data, from the seed's text (二 measures ㈠–㈥ with their 责任单位, 三 work
guarantees ㈠–㈣): code, section, title, responsible unit, timeline, steps with dates, and the
target a task feeds. Dates the seed states are kept; where it says only "2018年" the year's end is
the due date, and where it gives none the end of 十三五 (2020-12-31) or, for the districts' own
plans ("尽快"), 2017-03-31 [set] — the bureau changes them on the task.

`seed_tasks` loads them idempotently (a code that exists is left as it is) and breaks 三㈠ down
to every current district: the district's own plan and key-task list."""

from __future__ import annotations

import datetime as dt

from safetynet.accounts.permissions import require
from safetynet.registry.models import Division, DivisionLevel

from . import services
from .models import PlanTask, Unit

D = dt.date
START = D(2016, 12, 16)  # the plan's date
END = D(2020, 12, 31)  # 十三五

R, W, E, C, S, OF = (
    Unit.RELIEF,
    Unit.WELFARE,
    Unit.ENTITLED,
    Unit.COMMUNITY,
    Unit.SOCIAL_WORK,
    Unit.OFFICE,
)

TASKS: list[dict] = [
    {
        "code": "二㈠1",
        "title": "精准识别救助对象",
        "unit": R,
        "due": D(2018, 12, 31),
        "indicator": "verification_coverage",
        "description": "责任单位：救灾和社会救助处、优抚处。",
        "steps": [
            (
                "完成核对信息平台二期建设并验收（5个部门22类信息自动对接，20家银行专线）",
                D(2016, 12, 31),
            ),
            ("修订《厦门市低收入家庭认定实施办法》，建立支出型贫困家庭认定办法", D(2017, 12, 31)),
            ("建立健全各类社会救助对象信息数据库", D(2017, 12, 31)),
            ("低保、特困、低收入、因病支出型家庭100%经过核对且符合认定条件", D(2018, 12, 31)),
            ("医疗救助对象100%录入医疗救助系统，享受“一站式”结算", D(2018, 12, 31)),
        ],
    },
    {
        "code": "二㈠2",
        "title": "健全低保标准调整机制",
        "unit": R,
        "due": END,
        "steps": [("低保标准与最低工资标准、物价上涨挂钩调整机制运行", END)],
    },
    {
        "code": "二㈠3",
        "title": "健全特困人员供养制度",
        "unit": R,
        "due": D(2018, 12, 31),
        "indicator": "concentrated_care",
        "description": "责任单位：救灾和社会救助处、社会福利和社会事务处。",
        "steps": [
            ("施行《厦门市特困供养人员救助供养办法》", D(2017, 1, 31)),
            ("完成特困人员清核认定并上报，调整供养标准并公示", D(2017, 3, 31)),
            ("生活不能自理特困人员集中供养率达到50%以上", D(2018, 12, 31)),
        ],
    },
    {
        "code": "二㈠4",
        "title": "提升临时救助水平",
        "unit": R,
        "due": END,
        "indicator": "ta_fund_raised",
        "steps": [("临时救助资金按户籍人口每人每年10元筹集", D(2016, 12, 31))],
    },
    {"code": "二㈠5", "title": "救助保障农村受灾贫困家庭", "unit": R, "due": END, "steps": []},
    {
        "code": "二㈠6",
        "title": "支持革命老区开发建设",
        "unit": R,
        "due": END,
        "steps": [("挂钩帮扶重点村中经济薄弱的老区村给予重点扶持", END)],
    },
    {
        "code": "二㈠7",
        "title": "稳步提高革命五老人员待遇",
        "unit": R,
        "due": END,
        "steps": [("五老人员死亡后一次性发放6个月定期生活补贴作为丧葬补助", D(2017, 1, 1))],
    },
    {
        "code": "二㈡1",
        "title": "全面推进社区居家养老服务（12349）",
        "unit": W,
        "due": END,
        "steps": [],
    },
    {
        "code": "二㈡2",
        "title": "加快推进农村幸福院建设",
        "unit": W,
        "due": END,
        "indicator": "homes_built_total",
        "steps": [
            (f"{y}年建设30个农村幸福院（含老年活动中心）", D(y, 12, 31)) for y in range(2017, 2021)
        ]
        + [("全面建成151个农村幸福院", END)],
    },
    {"code": "二㈢1", "title": "提高高龄津贴补助标准", "unit": W, "due": END, "steps": []},
    {
        "code": "二㈢2",
        "title": "提高困难残疾人和重度残疾人福利保障水平",
        "unit": W,
        "due": END,
        "steps": [],
    },
    {"code": "二㈢3", "title": "全面落实殡葬惠民政策", "unit": W, "due": END, "steps": []},
    {"code": "二㈣", "title": "全面落实优待优恤政策", "unit": E, "due": END, "steps": []},
    {
        "code": "二㈤",
        "title": "提升农村社区服务水平（社区工作站、网格化平台）",
        "unit": C,
        "due": END,
        "steps": [("建成覆盖全员的社区事务代办点（社区工作站）并与网格化平台互联互通", END)],
    },
    {
        "code": "二㈥",
        "title": "推动社会工作和志愿服务力量参与困难群众帮扶",
        "unit": S,
        "due": END,
        "steps": [("健全政府购买服务及其评估机制", D(2017, 12, 31))],
    },
    {
        "code": "三㈠",
        "title": "强化组织实施：细化分解任务，区级制定实施方案和重点任务清单",
        "unit": OF,
        "due": D(2017, 3, 31),
        "steps": [
            ("局相关处室细化分解任务、制定落实工作计划", D(2017, 1, 31)),
            ("各区制定本级实施方案，列出重点任务清单", D(2017, 3, 31)),
        ],
    },
    {"code": "三㈡", "title": "加强能力建设", "unit": OF, "due": END, "steps": []},
    {
        "code": "三㈢",
        "title": "规范资金管理（低保、特困、医疗、临时救助资金监管，彩票公益金和社会捐助）",
        "unit": R,
        "due": END,
        "steps": [],
    },
    {
        "code": "三㈣",
        "title": "积极宣传引导：定期报送工作进展",
        "unit": OF,
        "due": END,
        "steps": [],
    },
]


def _section(code: str) -> str:
    return code[:2]


def seed_tasks(*, actor) -> int:
    """Create the seed's tasks and each district's share of 三㈠; returns how many were made."""
    require(actor, "plan.manage_tasks")
    made = 0
    for t in TASKS:
        if PlanTask.objects.filter(code=t["code"]).exists():
            continue
        services.task_create(
            actor=actor,
            code=t["code"],
            section=_section(t["code"]),
            title=t["title"],
            unit=t["unit"],
            start_on=START,
            due_on=t["due"],
            description=t.get("description", ""),
            indicator=t.get("indicator", ""),
            steps=t["steps"],
        )
        made += 1
    for d in Division.objects.filter(level=DivisionLevel.DISTRICT, valid_to__isnull=True).order_by(
        "code"
    ):
        code = f"三㈠（{d.name}）"
        if PlanTask.objects.filter(code=code).exists():
            continue
        services.task_create(
            actor=actor,
            code=code,
            section="三",
            title=f"{d.name}制定本级实施方案，列出重点任务清单",
            unit=Unit.DISTRICT,
            division_code=d.code,
            parent_code="三㈠",
            start_on=START,
            due_on=D(2017, 3, 31),
            steps=[
                ("制定区级实施方案（上传附件）", D(2017, 2, 28)),
                ("列出重点任务清单，明确路线图、时间表和责任人（上传附件）", D(2017, 3, 31)),
            ],
        )
        made += 1
    return made
