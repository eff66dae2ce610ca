"""Eldercare test data: an operator, an admitted provider under contract serving 中华街道 with its
items and a staff login, and the registry's elderly (张伟 88, dibao; 李娜 85)."""

import datetime as dt

from stdnum.cn import uscc

from safetynet.accounts.models import Role
from safetynet.eldercare import services
from tests.helpers.city import ZHONGHUA, make_user


def credit_code(seq: int, district: str = "350203") -> str:
    base = f"91{district}MA2Y{seq:05d}"
    return base + uscc.calc_check_digit(base)


def apply(admin, name="鹭岛居家养老服务中心", seq=1, division=ZHONGHUA):
    return services.provider_apply(
        actor=admin,
        name=name,
        credit_code=credit_code(seq),
        legal_representative="林海",
        phone="0592-5550001",
        address="思明区中华路1号",
        division_code=division,
        qualifications="民办非企业单位登记证书\n食品经营许可证",
        bank_code="102",
        bank_name="中国工商银行厦门分行",
        account_number=f"41000000{seq:04d}",
        account_holder=name,
    )


def admitted_provider(admin, name="鹭岛居家养老服务中心", seq=1, area=ZHONGHUA, prices=None):
    p = apply(admin, name=name, seq=seq)
    services.provider_review(actor=admin, provider_id=p.pk, approve=True)
    services.provider_contract(
        actor=admin,
        provider_id=p.pk,
        number=f"JM-2026-{seq:03d}",
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2030, 12, 31),
    )
    for item, price in (prices or {"meals": 1500, "housekeeping": 5000, "bathing": 8000}).items():
        services.provider_item_set(actor=admin, provider_id=p.pk, item=item, price_fen=price)
    services.provider_area_add(actor=admin, provider_id=p.pk, division_code=area)
    p.refresh_from_db()
    return p


def operator():
    return make_user("op", Role.ELDERCARE_OPERATOR, "350200")
