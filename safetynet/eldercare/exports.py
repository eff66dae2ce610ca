"""The elderly database as Excel (a street's list, ADR 1201): ID numbers masked for every caller
(ADR 0722), phone numbers masked the same way (the first three and the last four), no formula
(ADR 0732). Always in Chinese."""

from __future__ import annotations

import io

from django.utils import timezone, translation
from openpyxl import Workbook

from safetynet.accounts.permissions import require
from safetynet.core import labels
from safetynet.core.spreadsheet import safe_row
from safetynet.registry.ids import mask_id_number
from safetynet.rules.eldercare import age_on

from . import selectors
from .models import ElderContact, ElderProfile

HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "年龄",
    "户籍地",
    "居住社区",
    "居住情况",
    "生活自理能力",
    "评估日期",
    "救助类别",
    "本人电话",
    "紧急联系人",
]
MAX_ROWS = 200_000


def mask_phone(phone: str | None) -> str:
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def elders_export(*, actor, filters: dict) -> bytes:
    require(actor, "eldercare.export_elders")
    today = timezone.localdate()
    rows = selectors.elder_list(actor=actor, filters=filters).order_by(
        "household_division_id", "name", "id"
    )[:MAX_ROWS]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("老年人信息")
    ws.append(safe_row(ws, HEADER))
    with translation.override("zh-hans"):
        for chunk in _chunks(rows.iterator(chunk_size=2000), 2000):
            ids = [p.pk for p in chunk]
            profiles = {p.person_id: p for p in ElderProfile.objects.filter(person_id__in=ids)}
            contacts: dict[int, ElderContact] = {}
            for c in ElderContact.objects.filter(person_id__in=ids).order_by("-is_primary", "id"):
                contacts.setdefault(c.person_id, c)
            cats = selectors.current_categories(ids, today)
            for p in chunk:
                prof = profiles.get(p.pk)
                contact = contacts.get(p.pk)
                who = ""
                if contact:
                    relation = labels.label("elder_contact_relation", contact.relation)
                    who = f"{contact.name}（{relation}）{mask_phone(contact.phone)}"
                ws.append(
                    safe_row(
                        ws,
                        [
                            p.name,
                            mask_id_number(p.id_number),
                            labels.label("sex", p.sex),
                            age_on(p.birth_date, today),
                            labels.division_name(p.hukou_division_id),
                            labels.division_name(p.household_division_id or ""),
                            labels.label(
                                "elder_living", prof.living_situation if prof else "unknown"
                            ),
                            labels.label(
                                "elder_selfcare", prof.selfcare_level if prof else "unknown"
                            ),
                            prof.assessed_on.isoformat() if prof and prof.assessed_on else "",
                            "、".join(labels.label("category", c) for c in cats.get(p.pk, [])),
                            mask_phone(prof.phone if prof else ""),
                            who,
                        ],
                    )
                )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
