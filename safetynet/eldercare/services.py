"""Writes of eldercare (docs/eldercare.md). Each service checks the actor's ability and
jurisdiction first, runs in one transaction and records its event; refused input writes nothing.

Staff services take `actor` (a user); the provider's side (accept, decline, done, settle) takes
`provider` and who acts for it — a provider-staff user of the portal or the institution of an API
key — and touches only that provider's orders.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safetynet.accounts.models import Role
from safetynet.accounts.permissions import require
from safetynet.core.errors import NotFoundError
from safetynet.registry.models import Division, Enrolment, Person
from safetynet.rules import load_parameters
from safetynet.rules.eldercare import (
    month_start,
    monthly_credit,
    provider_verdict,
    selfcare_tier,
    settle_amounts,
    spend_split,
    window_days,
)
from safetynet.rules.money import yuan

from . import selectors, states
from .errors import (
    ALREADY_SETTLED,
    CARD_EXISTS,
    CARD_INVALID,
    CARD_NOT_HOLDERS,
    DECEASED,
    INPUT_INVALID,
    NO_PROVIDER,
    NOT_ELDERLY,
    NOT_SETTLEABLE,
    ORDER_NOT_FOUND,
    PROVIDER_NOT_SERVING,
    PROVIDER_STATE,
    TRANSITION,
    refuse,
)
from .models import (
    SELFCARE_ITEMS,
    Call,
    CallOutcome,
    CallTopic,
    CardStatus,
    Complaint,
    ContactRelation,
    CreditAccount,
    CreditGrant,
    ElderContact,
    ElderProfile,
    LivingSituation,
    OrderEvent,
    Provider,
    ProviderArea,
    ProviderEvent,
    ProviderEventKind,
    ProviderItem,
    ProviderStaff,
    ProviderStatus,
    SelfCareAssessment,
    ServiceCard,
    ServiceItem,
    ServiceOrder,
)

PHONE_RE = re.compile(r"^[0-9]{5,15}$")


def _now():
    return timezone.now()


def _phone(value: str, field: str = "phone", required: bool = True) -> str:
    phone = (value or "").replace(" ", "").replace("-", "")
    if not phone and not required:
        return ""
    if not PHONE_RE.match(phone):
        refuse(INPUT_INVALID, "电话号码应为5至15位数字。", field)
    return phone


def _elder(actor, person_id: int, ability: str) -> Person:
    """The person, if in the actor's jurisdiction (else not found), alive and aged 60+."""
    require(actor, ability)
    prefix = actor.scope_prefix
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not selectors.person_visible(person, prefix):
        raise NotFoundError("person")
    if person.death_date is not None:
        refuse(DECEASED)
    if person.birth_date > selectors.birth_cutoff():
        refuse(NOT_ELDERLY)
    return person


# --------------------------------------------------------------------------- elderly database


@transaction.atomic
def profile_update(
    *, actor, person_id: int, living_situation: str, phone: str = "", note: str = ""
) -> ElderProfile:
    person = _elder(actor, person_id, "eldercare.manage_elders")
    if living_situation not in LivingSituation.values:
        refuse(INPUT_INVALID, "请选择居住情况。", "living_situation")
    profile, _ = ElderProfile.objects.select_for_update().get_or_create(person=person)
    profile.living_situation = living_situation
    profile.phone = _phone(phone, required=False)
    profile.note = (note or "")[:200]
    profile.save()
    return profile


@transaction.atomic
def contact_add(
    *, actor, person_id: int, name: str, phone: str, relation: str, is_primary: bool = False
) -> ElderContact:
    person = _elder(actor, person_id, "eldercare.manage_elders")
    name = (name or "").strip()
    if not name or len(name) > 64:
        refuse(INPUT_INVALID, "请填写联系人姓名（不超过64字）。", "name")
    if relation not in ContactRelation.values:
        refuse(INPUT_INVALID, "请选择与老人的关系。", "relation")
    phone = _phone(phone)
    if is_primary:
        ElderContact.objects.filter(person=person).update(is_primary=False)
    return ElderContact.objects.create(
        person=person, name=name, phone=phone, relation=relation, is_primary=is_primary
    )


@transaction.atomic
def contact_remove(*, actor, contact_id: int) -> None:
    contact = ElderContact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFoundError("contact")
    _elder(actor, contact.person_id, "eldercare.manage_elders")
    contact.delete()


@transaction.atomic
def assessment_record(
    *, actor, person_id: int, assessed_on: dt.date, items: dict[str, bool], note: str = ""
) -> SelfCareAssessment:
    """A dated six-item assessment (True: can do it unaided); its result becomes the profile's
    level when it is the latest."""
    person = _elder(actor, person_id, "eldercare.assess_selfcare")
    if not isinstance(assessed_on, dt.date) or assessed_on > timezone.localdate():
        refuse(INPUT_INVALID, "评估日期不能晚于今天。", "assessed_on")
    missing = [k for k in SELFCARE_ITEMS if not isinstance(items.get(k), bool)]
    if missing:
        refuse(INPUT_INVALID, f"六项评估须逐项填写：{', '.join(missing)}", missing[0])
    failed = sum(1 for k in SELFCARE_ITEMS if not items[k])
    level = selfcare_tier(failed, assessed_on, load_parameters())
    assessment = SelfCareAssessment.objects.create(
        person=person,
        assessed_on=assessed_on,
        assessed_by=actor,
        failed_items=failed,
        level=level,
        note=(note or "")[:200],
        **{k: items[k] for k in SELFCARE_ITEMS},
    )
    profile, _ = ElderProfile.objects.select_for_update().get_or_create(person=person)
    if profile.assessed_on is None or assessed_on >= profile.assessed_on:
        profile.selfcare_level = level
        profile.selfcare_failed_items = failed
        profile.assessed_on = assessed_on
        profile.save()
    return assessment


# --------------------------------------------------------------------------- providers

MANAGE = "eldercare.manage_providers"


def _provider(provider_id: int, *, lock: bool = True) -> Provider:
    qs = Provider.objects.select_for_update() if lock else Provider.objects
    provider = qs.filter(pk=provider_id).first()
    if provider is None:
        raise NotFoundError("provider")
    return provider


def _event(provider, kind, actor=None, note="", order=None) -> ProviderEvent:
    return ProviderEvent.objects.create(
        provider=provider,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        note=(note or "")[:200],
        order=order,
    )


@transaction.atomic
def provider_apply(
    *,
    actor,
    name: str,
    credit_code: str,
    legal_representative: str,
    phone: str,
    address: str,
    division_code: str,
    qualifications: str,
    bank_code: str,
    bank_name: str,
    account_number: str,
    account_holder: str,
) -> Provider:
    """A franchisee's application (加盟申请) with its qualifications, entered by the city."""
    require(actor, MANAGE)
    from stdnum.cn import uscc

    values = {
        "name": name,
        "legal_representative": legal_representative,
        "address": address,
        "qualifications": qualifications,
        "bank_code": bank_code,
        "bank_name": bank_name,
        "account_number": account_number,
        "account_holder": account_holder,
    }
    for field, value in values.items():
        if not (value or "").strip():
            refuse(INPUT_INVALID, f"请填写{field}。", field)
    if not uscc.is_valid(credit_code or ""):
        refuse(INPUT_INVALID, "统一社会信用代码无效。", "credit_code")
    if Provider.objects.filter(credit_code=credit_code).exists():
        refuse(INPUT_INVALID, "该统一社会信用代码已申请。", "credit_code")
    division = Division.objects.filter(code=division_code).first()
    if division is None:
        refuse(INPUT_INVALID, "区划代码无效。", "division_code")
    provider = Provider.objects.create(
        credit_code=credit_code,
        phone=_phone(phone),
        division=division,
        applied_by=actor,
        **{k: v.strip() for k, v in values.items()},
    )
    _event(provider, ProviderEventKind.APPLIED, actor)
    return provider


@transaction.atomic
def provider_review(*, actor, provider_id: int, approve: bool, note: str = "") -> Provider:
    """Admit (an institution with API keys and a settlement account is registered) or reject."""
    from safetynet.institutions.models import InstitutionKind
    from safetynet.institutions.services import institution_create

    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status != ProviderStatus.APPLIED:
        refuse(PROVIDER_STATE)
    if not approve and not (note or "").strip():
        refuse(INPUT_INVALID, "不予准入须说明理由。", "note")
    provider.reviewed_at = _now()
    provider.reviewed_by = actor
    provider.status_reason = (note or "")[:200]
    if approve:
        provider.institution = institution_create(
            actor=actor,
            code=provider.credit_code,
            name=provider.name,
            kind=InstitutionKind.PROVIDER,
            division_code=provider.division_id,
            bank_code=provider.bank_code,
            bank_name=provider.bank_name,
            account_number=provider.account_number,
            account_holder=provider.account_holder,
        )
        provider.status = ProviderStatus.APPROVED
    else:
        provider.status = ProviderStatus.REJECTED
    provider.save()
    _event(
        provider,
        ProviderEventKind.APPROVED if approve else ProviderEventKind.REJECTED,
        actor,
        note,
    )
    return provider


@transaction.atomic
def provider_contract(
    *, actor, provider_id: int, number: str, date_from: dt.date, date_to: dt.date
) -> Provider:
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status not in (ProviderStatus.APPROVED, ProviderStatus.SUSPENDED):
        refuse(PROVIDER_STATE)
    if not (number or "").strip():
        refuse(INPUT_INVALID, "请填写合同编号。", "number")
    if not date_from or not date_to or date_to < date_from:
        refuse(INPUT_INVALID, "合同终止日期不能早于起始日期。", "date_to")
    provider.contract_number = number.strip()[:40]
    provider.contract_from = date_from
    provider.contract_to = date_to
    provider.save()
    _event(provider, ProviderEventKind.CONTRACT, actor, f"{number} {date_from}–{date_to}")
    return provider


@transaction.atomic
def provider_item_set(
    *, actor, provider_id: int, item: str, price_fen: int, unit: str = "次"
) -> ProviderItem:
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status in (ProviderStatus.REJECTED, ProviderStatus.EXITED):
        refuse(PROVIDER_STATE)
    if item not in ServiceItem.values:
        refuse(INPUT_INVALID, "服务项目无效。", "item")
    if type(price_fen) is not int or price_fen <= 0 or price_fen > 10_000_000:
        refuse(INPUT_INVALID, "价格应为正数（元，最多两位小数）。", "price")
    row, _ = ProviderItem.objects.update_or_create(
        provider=provider, item=item, defaults={"price_fen": price_fen, "unit": unit[:16] or "次"}
    )
    return row


@transaction.atomic
def provider_area_add(*, actor, provider_id: int, division_code: str) -> ProviderArea:
    require(actor, MANAGE)
    provider = _provider(provider_id)
    division = Division.objects.filter(
        code=division_code, level__in=["district", "street", "community"]
    ).first()
    if division is None:
        refuse(INPUT_INVALID, "服务区域应为区、街镇或社区。", "division_code")
    row, _ = ProviderArea.objects.get_or_create(provider=provider, division=division)
    return row


@transaction.atomic
def provider_staff_add(
    *, actor, provider_id: int, username: str, password: str, last_name: str, first_name: str
):
    """A login for the provider's staff (role provider_staff, no jurisdiction)."""
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status not in (ProviderStatus.APPROVED, ProviderStatus.SUSPENDED):
        refuse(PROVIDER_STATE)
    User = get_user_model()
    username = (username or "").strip()
    if not re.match(r"^[A-Za-z0-9_.-]{3,40}$", username):
        refuse(INPUT_INVALID, "用户名为3至40位字母、数字或 _.-。", "username")
    if User.objects.filter(username=username).exists():
        refuse(INPUT_INVALID, "用户名已存在。", "username")
    if len(password or "") < 10:
        refuse(INPUT_INVALID, "密码至少10位。", "password")
    user = User(
        username=username,
        role=Role.PROVIDER_STAFF,
        jurisdiction=None,
        last_name=last_name or "",
        first_name=first_name or "",
    )
    user.set_password(password)
    user.save()
    ProviderStaff.objects.create(user=user, provider=provider)
    return user


def _set_status(provider, status, kind, actor, reason) -> Provider:
    provider.status = status
    provider.status_reason = (reason or "")[:200]
    provider.save(update_fields=["status", "status_reason"])
    _event(provider, kind, actor, reason)
    if provider.institution_id and status == ProviderStatus.EXITED:
        provider.institution.is_active = False
        provider.institution.save(update_fields=["is_active"])
    return provider


@transaction.atomic
def provider_suspend(*, actor, provider_id: int, reason: str) -> Provider:
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status != ProviderStatus.APPROVED:
        refuse(PROVIDER_STATE)
    if not (reason or "").strip():
        refuse(INPUT_INVALID, "请说明暂停理由。", "reason")
    return _set_status(
        provider, ProviderStatus.SUSPENDED, ProviderEventKind.SUSPENDED, actor, reason
    )


@transaction.atomic
def provider_reinstate(*, actor, provider_id: int, reason: str = "") -> Provider:
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status != ProviderStatus.SUSPENDED:
        refuse(PROVIDER_STATE)
    return _set_status(
        provider, ProviderStatus.APPROVED, ProviderEventKind.REINSTATED, actor, reason
    )


@transaction.atomic
def provider_exit(*, actor, provider_id: int, reason: str) -> Provider:
    """Exit (退出): no new order; its open orders go back to dispatch; the API key's institution
    is deactivated."""
    require(actor, MANAGE)
    provider = _provider(provider_id)
    if provider.status not in (ProviderStatus.APPROVED, ProviderStatus.SUSPENDED):
        refuse(PROVIDER_STATE)
    if not (reason or "").strip():
        refuse(INPUT_INVALID, "请说明退出理由。", "reason")
    _release_open_orders(provider, actor)
    return _set_status(provider, ProviderStatus.EXITED, ProviderEventKind.EXITED, actor, reason)


def _release_open_orders(provider, actor) -> None:
    for order in ServiceOrder.objects.select_for_update().filter(
        provider=provider, status__in=[states.Status.DISPATCHED, states.Status.ACCEPTED]
    ):
        _move(order, "decline" if order.status == "dispatched" else "cancel", actor=actor,
              note="服务商退出")  # fmt: skip
        if order.status == states.Status.CREATED:
            order.provider = None
            order.price_fen = None
            order.save(update_fields=["provider", "price_fen"])


VERDICT_ZH = {
    "EXIT_COMPLAINTS": "投诉次数达到退出标准",
    "SUSPEND_COMPLAINTS": "投诉次数达到暂停派单标准",
    "SUSPEND_BAD_RATINGS": "差评次数达到暂停派单标准",
}


def provider_evaluate(provider: Provider, *, actor=None, on: dt.date | None = None) -> str:
    """Apply the admission-and-exit thresholds (rules.eldercare.provider_verdict) to the
    complaints and ratings of the window: suspend or exit automatically, recorded as events.
    Returns the action taken ("none", "suspend", "exit")."""
    on = on or timezone.localdate()
    params = load_parameters()
    since = _now() - dt.timedelta(days=window_days(on, params))
    complaints = Complaint.objects.filter(provider=provider, recorded_at__gte=since).count()
    ratings = list(
        ServiceOrder.objects.filter(
            provider=provider, visited_at__gte=since, rating__isnull=False
        ).values_list("rating", flat=True)
    )
    verdict = provider_verdict(complaints=complaints, ratings=ratings, on=on, params=params)
    why = VERDICT_ZH.get(verdict.reason, "")
    note = f"自动：{why}（统计期内投诉{verdict.complaints}次，差评{verdict.bad_ratings}次）"
    if verdict.action == "exit" and provider.status in (
        ProviderStatus.APPROVED,
        ProviderStatus.SUSPENDED,
    ):
        _release_open_orders(provider, actor)
        _set_status(provider, ProviderStatus.EXITED, ProviderEventKind.EXITED, actor, note)
        return "exit"
    if verdict.action == "suspend" and provider.status == ProviderStatus.APPROVED:
        _set_status(provider, ProviderStatus.SUSPENDED, ProviderEventKind.SUSPENDED, actor, note)
        return "suspend"
    return "none"


@transaction.atomic
def complaint_record(
    *, actor, provider_id: int, note: str, order_id: int | None = None
) -> Complaint:
    require(actor, "eldercare.record_complaints")
    provider = _provider(provider_id)
    if not (note or "").strip():
        refuse(INPUT_INVALID, "请填写投诉内容。", "note")
    order = None
    if order_id:
        order = selectors.order_get(actor=actor, order_id=order_id)
        if order.provider_id != provider.pk:
            refuse(INPUT_INVALID, "该工单不是此服务商的。", "order")
    complaint = Complaint.objects.create(
        provider=provider, order=order, recorded_by=actor, note=note.strip()[:500]
    )
    _event(provider, ProviderEventKind.COMPLAINT, actor, note, order)
    provider_evaluate(provider, actor=actor)
    return complaint


# --------------------------------------------------------------------------- calls and orders


@transaction.atomic
def call_record(
    *,
    actor,
    caller_number: str,
    topic: str,
    outcome: str,
    person_id: int | None = None,
    contact_id: int | None = None,
    note: str = "",
) -> Call:
    require(actor, "eldercare.take_calls")
    number = _phone(caller_number, "caller_number")
    if topic not in CallTopic.values:
        refuse(INPUT_INVALID, "请选择来电事由。", "topic")
    if outcome not in CallOutcome.values:
        refuse(INPUT_INVALID, "请选择处理结果。", "outcome")
    person = _elder(actor, person_id, "eldercare.take_calls") if person_id else None
    contact = None
    if contact_id:
        contact = ElderContact.objects.filter(pk=contact_id, person=person).first()
        if contact is None:
            refuse(INPUT_INVALID, "联系人不属于该老人。", "contact")
    return Call.objects.create(
        caller_number=number,
        person=person,
        contact=contact,
        topic=topic,
        outcome=outcome,
        note=(note or "")[:500],
        operator=actor,
    )


def _move(order, action, *, actor=None, institution=None, note="", **fields) -> ServiceOrder:
    try:
        to = states.target(action, order.status)
    except states.TransitionNotAllowed:
        refuse(TRANSITION, f"工单{order.number}当前状态不能执行此操作。", "status")
    before = order.status
    order.status = to
    for k, v in fields.items():
        setattr(order, k, v)
    order.save()
    OrderEvent.objects.create(
        order=order,
        action=action,
        from_status=before,
        to_status=to,
        actor=actor if getattr(actor, "pk", None) else None,
        institution=institution,
        note=(note or "")[:500],
    )
    return order


def _order_for_staff(actor, order_id: int) -> ServiceOrder:
    require(actor, "eldercare.manage_orders")
    visible = selectors.orders_visible_to(actor).filter(pk=order_id).values_list("pk", flat=True)
    order = ServiceOrder.objects.select_for_update().filter(pk__in=list(visible)).first()
    if order is None:
        raise NotFoundError("order")
    return order


@transaction.atomic
def order_create(
    *,
    actor,
    person_id: int,
    item: str,
    note: str = "",
    wanted_on: dt.date | None = None,
    call_id: int | None = None,
    provider_id: int | None = None,
    dispatch: bool = True,
) -> ServiceOrder:
    """An order for a standard item, from a call or by a community worker; dispatched at once
    to the given provider or the least loaded one serving the person's area (if any serves)."""
    person = _elder(actor, person_id, "eldercare.manage_orders")
    if item not in ServiceItem.values:
        refuse(INPUT_INVALID, "请选择服务项目。", "item")
    call = None
    if call_id:
        call = selectors.calls_visible_to(actor).filter(pk=call_id).first()
        if call is None:
            refuse(INPUT_INVALID, "来电记录不存在。", "call")
    division_id = person.household_division_id or person.hukou_division_id
    order = ServiceOrder.objects.create(
        number="",
        person=person,
        division_id=division_id,
        call=call,
        item=item,
        note=(note or "")[:500],
        wanted_on=wanted_on,
        created_by=actor,
    )
    order.number = f"YL{timezone.localdate():%y%m%d}{order.pk:06d}"
    order.save(update_fields=["number"])
    OrderEvent.objects.create(order=order, action="create", to_status=order.status, actor=actor)
    if dispatch:
        _dispatch(order, actor, provider_id, required=provider_id is not None)
    return order


def _dispatch(order, actor, provider_id, *, required: bool) -> ServiceOrder:
    serving = selectors.serving_providers(item=order.item, division_code=order.division_id)
    if provider_id:
        provider = serving.filter(pk=provider_id).first()
        if provider is None:
            refuse(PROVIDER_NOT_SERVING, field="provider")
    else:
        provider = serving.first()
        if provider is None:
            if required:
                refuse(NO_PROVIDER, field="provider")
            return order  # stays created: the operator dispatches when one serves
    price = ProviderItem.objects.get(provider=provider, item=order.item).price_fen
    return _move(
        order,
        "dispatch",
        actor=actor,
        note=provider.name,
        provider=provider,
        price_fen=price,
        dispatched_at=_now(),
    )


@transaction.atomic
def order_dispatch(*, actor, order_id: int, provider_id: int | None = None) -> ServiceOrder:
    order = _order_for_staff(actor, order_id)
    return _dispatch(order, actor, provider_id, required=True)


@transaction.atomic
def order_cancel(*, actor, order_id: int, reason: str) -> ServiceOrder:
    order = _order_for_staff(actor, order_id)
    if not (reason or "").strip():
        refuse(INPUT_INVALID, "请说明取消理由。", "reason")
    return _move(order, "cancel", actor=actor, note=reason, cancel_reason=reason.strip()[:200])


@transaction.atomic
def order_visit(*, actor, order_id: int, rating: int, note: str = "") -> ServiceOrder:
    """The visit back (回访) after the service, with the person's rating (1–5 stars); the
    provider's thresholds are checked at once."""
    order = _order_for_staff(actor, order_id)
    if type(rating) is not int or not 1 <= rating <= 5:
        refuse(INPUT_INVALID, "评价为1至5星。", "rating")
    _move(
        order,
        "visit",
        actor=actor,
        note=note,
        visited_at=_now(),
        visited_by=actor,
        rating=rating,
        rating_note=(note or "")[:500],
    )
    provider = Provider.objects.select_for_update().get(pk=order.provider_id)
    provider_evaluate(provider, actor=actor)
    return order


# ---------------------------------------------------------------- the provider's side (portal, API)


def provider_for_staff(user) -> Provider:
    require(user, "eldercare.work_orders")
    provider = selectors.provider_of_staff(user)
    if provider is None:
        raise NotFoundError("provider")
    return provider


def _own_order(provider: Provider, number: str) -> ServiceOrder:
    order = (
        ServiceOrder.objects.select_for_update()
        .filter(provider=provider, number=str(number or ""))
        .first()
    )
    if order is None:
        refuse(ORDER_NOT_FOUND, field="number")
    return order


def _working(provider: Provider) -> None:
    if provider.status not in (ProviderStatus.APPROVED, ProviderStatus.SUSPENDED):
        refuse(PROVIDER_STATE, "服务商已退出或未准入。")


@transaction.atomic
def order_accept(*, provider, number: str, user=None, institution=None) -> ServiceOrder:
    _working(provider)
    order = _own_order(provider, number)
    return _move(order, "accept", actor=user, institution=institution, accepted_at=_now())


@transaction.atomic
def order_decline(
    *, provider, number: str, reason: str, user=None, institution=None
) -> ServiceOrder:
    order = _own_order(provider, number)
    if not (reason or "").strip():
        refuse(INPUT_INVALID, "请说明不能服务的理由。", "reason")
    return _move(
        order,
        "decline",
        actor=user,
        institution=institution,
        note=reason,
        provider=None,
        price_fen=None,
        dispatched_at=None,
    )


@transaction.atomic
def order_complete(
    *,
    provider,
    number: str,
    staff: str,
    done_at: dt.datetime | None = None,
    note: str = "",
    user=None,
    institution=None,
) -> ServiceOrder:
    """The provider reports the service done: when, by which staff member."""
    _working(provider)
    order = _own_order(provider, number)
    staff = (staff or "").strip()
    if not staff or len(staff) > 64:
        refuse(INPUT_INVALID, "请填写服务人员（不超过64字）。", "staff")
    done_at = done_at or _now()
    if timezone.is_naive(done_at):
        done_at = timezone.make_aware(done_at)
    if done_at > _now() + dt.timedelta(minutes=5) or (
        order.accepted_at and done_at < order.accepted_at
    ):
        refuse(INPUT_INVALID, "完成时间应在接单之后、不晚于现在。", "done_at")
    return _move(
        order,
        "complete",
        actor=user,
        institution=institution,
        note=note,
        done_at=done_at,
        done_staff=staff,
        done_note=(note or "")[:500],
    )


@transaction.atomic
def order_settle(
    *, provider, number: str, card_number: str, user=None, institution=None
) -> ServiceOrder:
    """Settle a done order against the person's card (一卡通): the credit balance pays first,
    the person the rest. The person's credit row is locked, so the balance never goes below
    zero under concurrent settlements. Once per order."""
    _working(provider)
    order = _own_order(provider, number)
    if order.settled_at is not None:
        refuse(ALREADY_SETTLED, field="number")
    if order.status not in states.SETTLEABLE_STATES:
        refuse(NOT_SETTLEABLE, field="number")
    card = ServiceCard.objects.filter(number=str(card_number or "").strip()).first()
    if card is None or card.status != CardStatus.ACTIVE:
        refuse(CARD_INVALID, field="card_number")
    if card.person_id != order.person_id:
        refuse(CARD_NOT_HOLDERS, field="card_number")
    CreditAccount.objects.get_or_create(person_id=order.person_id)
    account = CreditAccount.objects.select_for_update().get(person_id=order.person_id)
    credit, self_pay = settle_amounts(order.price_fen, account.balance_fen)
    city, district, street = spend_split(credit, timezone.localdate())
    CreditAccount.objects.filter(pk=account.pk).update(spent_fen=F("spent_fen") + credit)
    order.settled_at = _now()
    order.card = card
    order.credit_fen = credit
    order.self_pay_fen = self_pay
    order.city_fen, order.district_fen, order.street_fen = city, district, street
    order.save()
    OrderEvent.objects.create(
        order=order,
        action="settle",
        from_status=order.status,
        to_status=order.status,
        actor=user if getattr(user, "pk", None) else None,
        institution=institution,
        note=f"{card.number} 服务额度支付{yuan(credit)}元，本人支付{yuan(self_pay)}元",
    )
    return order


# --------------------------------------------------------------------------- credit and cards


@transaction.atomic
def credit_grant_month(*, actor, month: str) -> tuple[int, int]:
    """Grant `month`'s service credit (rules.eldercare.monthly_credit) to every eligible elderly
    person of the city once; a second run grants only the new ones. Returns (persons, fen)."""
    require(actor, "eldercare.grant_credit")
    try:
        first = month_start(month)
    except ValueError:
        refuse(INPUT_INVALID, "月份格式应为YYYY-MM。", "month")
    params = load_parameters()
    categories = list(params.at("eldercare.credit_categories", first).value)
    cutoff = first.replace(year=first.year - int(params.at("eldercare.min_age", first).value))
    held: dict[int, set[str]] = {}
    for pid, cat in (
        Enrolment.objects.filter(category__in=categories, start_date__lte=first)
        .exclude(end_date__lt=first)
        .filter(person__birth_date__lte=cutoff)
        .values_list("person_id", "category")
    ):
        held.setdefault(pid, set()).add(cat)
    done = set(
        CreditGrant.objects.filter(month=month, person_id__in=list(held)).values_list(
            "person_id", flat=True
        )
    )
    profiles = dict(
        ElderProfile.objects.filter(person_id__in=list(held)).values_list(
            "person_id", "selfcare_failed_items"
        )
    )
    count = total = 0
    persons = Person.objects.filter(pk__in=[p for p in held if p not in done]).only(
        "id", "birth_date", "death_date", "selfcare_failed_items"
    )
    for person in persons.iterator(chunk_size=2000):
        failed = profiles.get(person.pk)
        if failed is None:  # not assessed by eldercare: the registry's tekun figure, if any
            failed = person.selfcare_failed_items
        credit = monthly_credit(
            month=month,
            birth_date=person.birth_date,
            categories=held[person.pk],
            selfcare_failed_items=failed,
            death_date=person.death_date,
            params=params,
        )
        if not credit.eligible:
            continue
        CreditGrant.objects.create(
            person=person,
            month=month,
            tier=credit.tier,
            category=credit.category,
            amount_fen=credit.amount_fen,
        )
        account, _ = CreditAccount.objects.get_or_create(person=person)
        CreditAccount.objects.filter(pk=account.pk).update(
            granted_fen=F("granted_fen") + credit.amount_fen
        )
        count += 1
        total += credit.amount_fen
    return count, total


@transaction.atomic
def card_issue(*, actor, person_id: int, note: str = "") -> ServiceCard:
    person = _elder(actor, person_id, "eldercare.manage_cards")
    if ServiceCard.objects.filter(person=person, status=CardStatus.ACTIVE).exists():
        refuse(CARD_EXISTS)
    return _new_card(person, actor, note=note)


def _new_card(person, actor, *, replaces=None, note="") -> ServiceCard:
    card = ServiceCard.objects.create(
        number=f"TMP-{person.pk}-{_now().timestamp()}"[:20],
        person=person,
        issued_on=timezone.localdate(),
        issued_by=actor,
        replaces=replaces,
        note=(note or "")[:200],
    )
    card.number = f"3502YL{card.pk:08d}"
    card.save(update_fields=["number"])
    CreditAccount.objects.get_or_create(person=person)
    return card


@transaction.atomic
def card_report_lost(*, actor, card_id: int, replace: bool = True, note: str = "") -> ServiceCard:
    """A lost card stops at once; a replacement (补卡) gets a new number and the same balance.
    Returns the new card (or the lost one, without a replacement)."""
    card = ServiceCard.objects.select_for_update().filter(pk=card_id).first()
    if card is None:
        raise NotFoundError("card")
    person = _elder(actor, card.person_id, "eldercare.manage_cards")
    if card.status != CardStatus.ACTIVE:
        refuse(CARD_INVALID)
    card.status = CardStatus.REPLACED if replace else CardStatus.LOST
    card.status_changed_on = timezone.localdate()
    card.note = (note or card.note)[:200]
    card.save()
    if replace:
        return _new_card(person, actor, replaces=card, note="补卡")
    return card
