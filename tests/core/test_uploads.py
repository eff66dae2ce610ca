"""Uploads: taken by content, refused early when too large, an .xlsx capped before parsing
(ADR 0730, 0731)."""

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from safetynet.core.uploads import (
    JPEG,
    PDF,
    PNG,
    FileRefused,
    XlsxLimits,
    check_xlsx,
    scan_type,
)
from safetynet.registry.importers import (
    DATA_SHEET,
    ImportRejected,
    household_roster_import,
    household_template_workbook,
)
from safetynet.registry.models import Household
from safetynet.verification.sources.manual import ResponseFileError, read_exchange_file

MB = 1024 * 1024
BIG = 191 * MB


def bomb(path: Path, *, string_bytes: int = BIG) -> bytes:
    """A real workbook (openpyxl's) whose one cell holds a `string_bytes`-long shared string:
    written in 1 MB pieces, it compresses to about 200 KB."""
    wb = openpyxl.Workbook()
    wb.active.title = DATA_SHEET
    wb.active["A1"] = "户编号"
    wb.active["A2"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(
                    b'<c r="A2" t="inlineStr"><is><t>x</t></is></c>',
                    b'<c r="A2" t="s"><v>0</v></c>',
                )
            out.writestr(info.filename, data)
        with out.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/')
            fh.write(b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            chunk = b"A" * MB
            for _ in range(string_bytes // MB):
                fh.write(chunk)
            fh.write(b"</t></si></sst>")
    return path.read_bytes()


@pytest.fixture(scope="module")
def bomb_file(tmp_path_factory) -> bytes:
    return bomb(tmp_path_factory.mktemp("bomb") / "roster.xlsx")


def test_the_bomb_is_small_and_really_expands(bomb_file):
    assert len(bomb_file) < 400 * 1024
    info = zipfile.ZipFile(io.BytesIO(bomb_file)).getinfo("xl/sharedStrings.xml")
    assert info.file_size > BIG


def test_a_200_kb_xlsx_holding_a_191_mb_string_is_refused_quickly(cw_db, bomb_file):
    with translation.override("zh-hans"):
        translation.gettext("The file is empty.")  # catalogues loaded before the clock starts
        tracemalloc.start()
        started = time.perf_counter()
        with pytest.raises(ImportRejected) as err:
            household_roster_import(actor=cw_db, file=bomb_file, filename="roster.xlsx")
        elapsed = time.perf_counter() - started
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"191 MB xlsx bomb refused in {elapsed * 1000:.1f} ms, peak {peak / MB:.2f} MB")
    assert elapsed < 0.5, elapsed
    assert peak < 5 * MB, peak  # never inflated: parsing it would hold 191 MB or more
    [problem] = err.value.problems
    assert (problem.field, problem.code) == ("文件", "xlsx_expands_too_much")
    assert problem.message == (
        "该工作簿打开后将展开为 192 MB，超出导入允许的范围，已拒绝且未读取。"
        "请删除无用的工作表和超长单元格，或拆分文件。"
    )
    assert not Household.objects.exists()


def test_the_response_file_import_refuses_it_too(bomb_file):
    started = time.perf_counter()
    with pytest.raises(ResponseFileError) as err:
        read_exchange_file(filename="tax_response.xlsx", content=bomb_file)
    assert time.perf_counter() - started < 0.5
    assert [p.code for p in err.value.problems] == ["xlsx_expands_too_much"]


def test_the_upload_page_shows_the_refusal(client, users, bomb_file):
    client.force_login(users["community_worker"])
    response = client.post(
        reverse("household-import"), {"file": SimpleUploadedFile("名册.xlsx", bomb_file)}
    )
    assert response.status_code == 422
    assert "该工作簿打开后将展开为 192 MB" in response.content.decode()


def test_a_highly_compressed_member_below_the_size_cap_is_refused_by_its_ratio(tmp_path):
    data = bomb(tmp_path / "r.xlsx", string_bytes=30 * MB)
    with pytest.raises(FileRefused) as err:
        check_xlsx(data)
    assert err.value.code == "xlsx_expands_too_much"
    # the same file under looser limits: the ratio was the reason
    check_xlsx(data, limits=XlsxLimits(max_ratio=10_000))


def test_limits_on_total_size_and_member_count(tmp_path):
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    good = buf.getvalue()
    check_xlsx(good)
    with pytest.raises(FileRefused) as err:
        check_xlsx(good, limits=XlsxLimits(max_total=1000))
    assert err.value.code == "xlsx_expands_too_much"
    with pytest.raises(FileRefused) as err:
        check_xlsx(good, limits=XlsxLimits(max_members=3))
    assert err.value.code == "xlsx_expands_too_much" and "3" in err.value.message
    with pytest.raises(FileRefused) as err:
        check_xlsx(good, limits=XlsxLimits(max_bytes=100))
    assert err.value.code == "file_too_large"


@pytest.mark.parametrize(
    "content",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"<html><script>alert(1)</script></html>",
        b"PK\x03\x04 broken",
        b"",
    ],
)
def test_not_an_xlsx_by_content(content):
    with pytest.raises(FileRefused) as err:
        check_xlsx(content)
    assert err.value.code == "file_type"


def test_a_zip_that_is_not_a_spreadsheet_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRefused) as err:
        check_xlsx(buf.getvalue())
    assert err.value.code == "file_type"


def test_our_template_passes(db, users):
    check_xlsx(household_template_workbook(actor=users["community_worker"]))


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.4\n", PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", PNG),
    ],
)
def test_scans_by_magic_bytes(head, kind):
    assert scan_type(SimpleUploadedFile("名字.html", head + b"rest")) is kind


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("scan.png", b"<svg onload=alert(1)>", "file_type"),
        ("scan.pdf", b"<html><script>", "file_type"),
        ("scan.jpg", b"\x89PN", "file_type"),
        ("scan.pdf", b"", "file_empty"),
        ("scan.pdf", b"%PDF-" + b"0" * (10 * MB), "file_too_large"),
    ],
)
def test_scans_refused(name, content, code):
    with pytest.raises(FileRefused) as err:
        scan_type(SimpleUploadedFile(name, content))
    assert err.value.code == code


# ------------------------------------------------------------------ request size, before reading
class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_oversized_request_is_refused_before_its_body_is_read(client, users, settings):
    client.force_login(users["community_worker"])
    too_big = settings.SAFETYNET_MAX_REQUEST_BYTES + 1
    response = client.generic(
        "POST",
        reverse("household-import"),
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(too_big),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response.content.decode() == "请求超过 21 MB，已拒绝且未读取。"


def test_an_oversized_api_body_gets_a_json_413(client, users, settings):
    client.force_login(users["community_worker"])
    response = client.generic(
        "POST",
        "/api/rules/calculate/",
        b"",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    # a multipart form of that size is fine (the file limit applies to it); just not to JSON
    assert settings.SAFETYNET_MAX_REQUEST_BYTES > settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def test_an_uploaded_file_is_cut_off_while_it_streams_in(client, users, settings):
    settings.SAFETYNET_MAX_UPLOAD_BYTES = 64 * 1024  # the request itself may be larger
    client.force_login(users["community_worker"])
    upload = SimpleUploadedFile("名册.xlsx", b"PK\x03\x04" + b"0" * (200 * 1024))
    response = client.post(reverse("household-import"), {"file": upload})
    assert response.status_code == 413


def test_settings_bound_what_django_keeps_in_memory(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2 * MB
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2 * MB
    assert settings.FILE_UPLOAD_HANDLERS[0].endswith("SizeLimitedUploadHandler")
    assert settings.MIDDLEWARE[0].endswith("RequestSizeLimitMiddleware")


@pytest.fixture
def cw_db(users):
    return users["community_worker"]
