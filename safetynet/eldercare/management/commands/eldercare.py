"""`safetynet eldercare demo|credit|statements` (docs/eldercare.md).

- `demo`: the demo city's 12349 world — three providers (two admitted under contract with their
  items, prices and areas, one application awaiting review), the staff login `demo-provider`,
  elderly persons with phones, relatives, assessments, this month's credit, cards, and a few
  orders in every state. Needs `demo_users` first; safe to re-run (done once).
- `credit --month YYYY-MM --as USER`: grant a month's service credit (city administrator).
- `statements --month YYYY-MM --as USER`: the providers' statements of a month that is over,
  booked in the ledger (city finance office or administrator).
- `reimburse --month YYYY-MM --out DIR --as USER [--format xlsx|csv]`: the payable files per bank
  of the statements up to the month not yet paid (ADR 1210), written to DIR.
- `results FILE --as USER`: the bank's result file; paid lines settle the payable, failed lines
  wait for the next file; a bad row refuses the whole file.

Bad input or a refusal: exit 2 with the field or the code named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from safetynet.core.errors import ServiceError

BAD_INPUT = 2
DEMO_PROVIDERS = [
    # name, credit code base (17 characters), division, areas, prices (fen)
    (
        "鹭岛居家养老服务中心",
        "91350203MA2Y00011",
        "350203",
        ["350203"],
        {
            "meals": 1500,
            "housekeeping": 5000,
            "bathing": 8000,
            "medical_escort": 6000,
            "transport": 4000,
            "repairs": 5000,
            "companionship": 3000,
        },
    ),
    (
        "湖里乐龄助老服务社",
        "91350206MA2Y00022",
        "350206",
        ["350206"],
        {"meals": 1400, "housekeeping": 4500, "bathing": 7500, "companionship": 2500},
    ),
]
PENDING = ("海沧颐养家政服务有限公司", "91350205MA2Y00033", "350205")


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = "12349 elderly care: the demo set-up, the monthly credit, the providers' statements."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("demo", help="providers, cards and orders for the demo city")
        for name, text in (
            ("credit", "grant a month's service credit"),
            ("statements", "make the providers' statements of a month that is over"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--month", required=True)
            p.add_argument("--as", dest="username", required=True)
        r = sub.add_parser("reimburse", help="the payable files per bank of the statements")
        r.add_argument("--month", required=True)
        r.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        r.add_argument("--out", type=Path, required=True)
        r.add_argument("--as", dest="username", required=True)
        b = sub.add_parser("results", help="read the bank's result file")
        b.add_argument("file", type=Path)
        b.add_argument("--as", dest="username", required=True)

    def handle(self, *args, **options) -> None:
        from safetynet.accounts.models import User

        action = options["action"]
        if action == "demo":
            self._demo()
            return
        try:
            actor = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise _fail(f"--as: no active user {options['username']!r}") from None
        try:
            if action == "credit":
                from safetynet.eldercare.services import credit_grant_month

                n, fen = credit_grant_month(actor=actor, month=options["month"])
                self.stdout.write(f"{options['month']}: {n} persons, {fen} fen")
            elif action == "reimburse":
                self._reimburse(actor, options)
            elif action == "results":
                from safetynet.eldercare.settlement import reimbursement_results_import

                try:
                    content = options["file"].read_bytes()
                except OSError as exc:
                    raise _fail(f"{options['file']}: {exc}") from None
                out = reimbursement_results_import(actor=actor, content=content)
                self.stdout.write(f"paid {out.paid}, failed {out.failed}")
            else:
                from safetynet.eldercare.settlement import provider_statements_make

                for s in provider_statements_make(actor=actor, month=options["month"]):
                    self.stdout.write(
                        f"{s.provider.credit_code}\t{s.month}\t{s.orders_count}\t{s.amount_fen}"
                    )
        except ServiceError as exc:
            field = exc.problems[0].field if exc.problems else ""
            raise _fail(f"[{exc.code}] {field + ': ' if field else ''}{exc.message}") from None

    def _reimburse(self, actor, options) -> None:
        from safetynet.eldercare.settlement import reimbursement_files_make

        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise _fail(f"--out: {out} is not a directory")
        files = reimbursement_files_make(actor=actor, month=options["month"], fmt=options["format"])
        out.mkdir(parents=True, exist_ok=True)
        for rf in files:
            target = out / Path(rf.file.name).name
            with rf.file.open("rb") as src:
                target.write_bytes(src.read())
            self.stdout.write(f"{rf.reference}: {rf.line_count} lines -> {target}")

    def _demo(self) -> None:
        from stdnum.cn import uscc

        from safetynet.accounts.models import User
        from safetynet.accounts.services import demo_password
        from safetynet.eldercare.models import Provider

        try:
            admin = User.objects.get(username="demo-city")
            operator = User.objects.get(username="demo-12349")
        except User.DoesNotExist:
            raise CommandError("Run `safetynet demo_users` first.") from None
        codes = [base + uscc.calc_check_digit(base) for _n, base, *_rest in DEMO_PROVIDERS]
        if Provider.objects.filter(credit_code__in=codes).exists():
            self.stdout.write("eldercare demo: already set up")
            return
        with transaction.atomic():
            summary = _demo_world(admin, operator, demo_password())
        self.stdout.write(
            "eldercare demo: {providers} providers ({pending} awaiting review), {elders} elderly "
            "persons with phones and relatives, {cards} cards, credit for {credit} persons, "
            "{orders} orders; provider staff login demo-provider".format(**summary)
        )


def _demo_world(admin, operator, password: str) -> dict:
    from stdnum.cn import uscc

    from safetynet.eldercare import selectors, services
    from safetynet.eldercare.models import SELFCARE_ITEMS
    from safetynet.registry.models import Enrolment, Person

    providers = []
    for i, (name, base, division, areas, prices) in enumerate(DEMO_PROVIDERS, start=1):
        p = services.provider_apply(
            actor=admin,
            name=name,
            credit_code=base + uscc.calc_check_digit(base),
            legal_representative=["林海", "陈晓"][i - 1],
            phone=f"0592555000{i}",
            address=f"厦门市{['思明区中华路', '湖里区金山路'][i - 1]}{i}号",
            division_code=division,
            qualifications="民办非企业单位登记证书\n养老服务机构备案回执\n食品经营许可证",
            bank_code="102",
            bank_name="中国工商银行厦门分行",
            account_number=f"41000012000000{i:04d}",
            account_holder=name,
        )
        services.provider_review(actor=admin, provider_id=p.pk, approve=True, note="资质齐全")
        today = timezone.localdate()
        services.provider_contract(
            actor=admin,
            provider_id=p.pk,
            number=f"XMJM-{today.year}-{i:03d}",
            date_from=today.replace(month=1, day=1),
            date_to=today.replace(year=today.year + 2, month=12, day=31),
        )
        for item, fen in prices.items():
            services.provider_item_set(actor=admin, provider_id=p.pk, item=item, price_fen=fen)
        for code in areas:
            services.provider_area_add(actor=admin, provider_id=p.pk, division_code=code)
        providers.append(p)
    services.provider_staff_add(
        actor=admin,
        provider_id=providers[0].pk,
        username="demo-provider",
        password=password,
        last_name="周",
        first_name="敏",
    )
    name, base, division = PENDING
    services.provider_apply(
        actor=admin,
        name=name,
        credit_code=base + uscc.calc_check_digit(base),
        legal_representative="黄伟",
        phone="05925550009",
        address="厦门市海沧区海沧大道9号",
        division_code=division,
        qualifications="营业执照\n家政服务资质",
        bank_code="105",
        bank_name="中国建设银行厦门分行",
        account_number="3515000000000009",
        account_holder=name,
    )
    # the elderly of 思明区 and 湖里区 on dibao, tekun or low-income: phones, relatives, tiers
    cutoff = selectors.birth_cutoff()
    covered = Enrolment.objects.filter(
        category__in=["dibao", "tekun", "low_income"], end_date__isnull=True
    ).values("person_id")
    elderly = Person.objects.filter(
        pk__in=covered, death_date__isnull=True, birth_date__lte=cutoff
    ).order_by("id")
    elders = [
        *elderly.filter(household_division__code__startswith="350203002")[:20],  # 中华街道
        *elderly.filter(household_division__code__startswith="350206")[:20],  # 湖里区
    ]
    relations = ["child", "child", "spouse", "grandchild", "neighbour"]
    living = ["alone", "spouse", "family"]
    on = timezone.localdate() - dt.timedelta(days=30)
    for n, person in enumerate(elders):
        services.profile_update(
            actor=operator,
            person_id=person.pk,
            living_situation=living[n % 3],
            phone=f"1390592{n:04d}",
        )
        services.contact_add(
            actor=operator,
            person_id=person.pk,
            name=f"{person.name[0]}{'丽明华强芳'[n % 5]}",
            phone=f"1370592{n:04d}",
            relation=relations[n % 5],
            is_primary=True,
        )
    # self-care assessments by the street officer of 中华街道 (demo-street) for those living there
    street = _street_officer()
    assessed = [p for p in elders if street and selectors.person_visible(p, street.scope_prefix)]
    for n, person in enumerate(assessed):
        failed = [0, 2, 5][n % 3]
        items = {k: i >= failed for i, k in enumerate(SELFCARE_ITEMS)}
        services.assessment_record(actor=street, person_id=person.pk, assessed_on=on, items=items)
    month = f"{timezone.localdate():%Y-%m}"
    credit, _fen = services.credit_grant_month(actor=admin, month=month)
    cards = [services.card_issue(actor=operator, person_id=p.pk) for p in elders[:20]]
    orders = 0
    from safetynet.eldercare.models import Provider

    staff_provider = Provider.objects.in_bulk([p.pk for p in providers])
    plan = ["visited", "visited", "done", "accepted", "dispatched", "visited", "done", "created"]
    for n, (person, target) in enumerate(zip(elders, plan, strict=False)):
        item = ["meals", "housekeeping", "bathing", "companionship"][n % 4]
        order = services.order_create(
            actor=operator,
            person_id=person.pk,
            item=item,
            note=["每日午餐送餐", "每周打扫一次", "协助洗澡", "陪同聊天散步"][n % 4],
            dispatch=target != "created",
        )
        orders += 1
        if order.provider_id is None or target in ("created", "dispatched"):
            continue
        provider = staff_provider[order.provider_id]
        services.order_accept(provider=provider, number=order.number)
        if target == "accepted":
            continue
        services.order_complete(provider=provider, number=order.number, staff="周敏")
        card = next((c for c in cards if c.person_id == person.pk), None)
        if card:
            services.order_settle(provider=provider, number=order.number, card_number=card.number)
        if target == "visited":
            services.order_visit(actor=operator, order_id=order.pk, rating=[5, 4, 5][n % 3])
    return {
        "providers": len(providers) + 1,
        "pending": 1,
        "elders": len(elders),
        "cards": len(cards),
        "credit": credit,
        "orders": orders,
    }


def _street_officer():
    from safetynet.accounts.models import User

    return User.objects.filter(username="demo-street", is_active=True).first()
