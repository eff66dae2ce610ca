"""The import page (template download, upload, per-row problems or success) and Excel export."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safetynet.registry import importers
from safetynet.registry.models import Household
from tests.helpers.city import MAY_EXPORT, ROLES, VISIBLE, ZHONGHUA_C1, make_id

pytestmark = pytest.mark.django_db


def roster(rows: list[dict]) -> SimpleUploadedFile:
    headers = [c.header for c in importers.COLUMNS]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = importers.DATA_SHEET
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(
        "roster.xlsx",
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def head_row(id_number: str, number="IMP-001") -> dict:
    return {
        "户号": number,
        "所属社区代码": ZHONGHUA_C1,
        "身份证号": id_number,
        "姓名": "林导入",
        "与户主关系": "户主",
    }


def test_template_download(client, users):
    client.force_login(users["street_officer"])
    response = client.get(reverse("household-import-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert importers.DATA_SHEET in wb.sheetnames


def test_upload_valid_roster_reports_counts(client, users):
    client.force_login(users["street_officer"])
    good = make_id("350203", dt.date(1990, 1, 1), 40, "M")
    response = client.post(reverse("household-import"), {"file": roster([head_row(good)])})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="import-ok"' in content
    assert "文件已导入" in content and "IMP-001" in content
    assert Household.objects.filter(number="IMP-001").exists()


def test_upload_bad_roster_lists_problems_by_row_and_column(client, users):
    client.force_login(users["street_officer"])
    good = make_id("350203", dt.date(1990, 1, 1), 41, "M")
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")
    response = client.post(reverse("household-import"), {"file": roster([head_row(bad)])})
    assert response.status_code == 422
    content = response.content.decode()
    assert 'data-testid="import-problems"' in content
    assert "身份证号" in content and "校验位" in content
    assert '<td class="num">2</td>' in content  # the first data row is spreadsheet row 2
    assert not Household.objects.filter(number="IMP-001").exists()


def test_upload_refuses_a_non_xlsx_file(client, users):
    client.force_login(users["street_officer"])
    upload = SimpleUploadedFile("roster.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = client.post(reverse("household-import"), {"file": upload})
    assert response.status_code == 422
    assert ".xlsx" in response.content.decode()


def test_import_into_another_jurisdiction_is_refused(client, users):
    client.force_login(users["huli_officer"])
    good = make_id("350203", dt.date(1990, 1, 1), 42, "M")
    response = client.post(reverse("household-import"), {"file": roster([head_row(good)])})
    assert response.status_code == 422
    assert not Household.objects.filter(number="IMP-001").exists()


@pytest.mark.parametrize("role", ROLES)
def test_export_is_scoped(client, users, registry, role):
    client.force_login(users[role])
    response = client.get(reverse("household-export"))
    if role not in MAY_EXPORT:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    for key, household in registry.households().items():
        assert (household.number in cells) == (key in VISIBLE[role]), key
    for person in (registry.zhang_wei, registry.chen_jie):
        assert person.id_number not in cells  # exported lists are masked too


@pytest.mark.parametrize("role", ROLES)
def test_person_export_is_scoped(client, users, registry, role):
    client.force_login(users[role])
    response = client.get(reverse("person-export"), {"category": "dibao"})
    if role not in MAY_EXPORT:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert ("张伟" in cells) == ("zh1" in VISIBLE[role])
    assert "陈杰" not in cells  # not dibao
