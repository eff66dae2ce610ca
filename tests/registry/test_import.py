"""Excel roster import: the template, each refusal by row and column, all or nothing, history."""

import datetime as dt
import io
import time

import openpyxl
import pytest
from django.utils import timezone, translation

from safetynet.registry.importers import (
    DATA_SHEET,
    ImportRejected,
    household_roster_import,
    household_template_workbook,
)
from safetynet.registry.models import Enrolment, Household, Membership, Person
from safetynet.registry.services import household_create, person_create
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2
from tests.helpers.roster import HEADERS, xlsx


def reject(actor, rows=None, *, data=None, filename="roster.xlsx") -> list:
    with pytest.raises(ImportRejected) as err:
        household_roster_import(actor=actor, file=data or xlsx(rows), filename=filename)
    assert err.value.code == "import_rejected"
    return [(p.row, p.field, p.code) for p in err.value.problems]


def nothing_written():
    return not (
        Household.objects.exists()
        or Person.objects.exists()
        or Membership.objects.exists()
        or Enrolment.objects.exists()
        or Person.history.exists()
        or Household.history.exists()
    )


def test_template_has_chinese_headers_lists_and_instructions(cw):
    wb = openpyxl.load_workbook(io.BytesIO(household_template_workbook(actor=cw)))
    assert wb.sheetnames[:3] == [DATA_SHEET, "填写说明", "代码表"]
    ws = wb[DATA_SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws.max_row == 1  # no example rows that would be imported
    validations = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    assert validations["I2"].replace("'", "").startswith("代码表!$A$2")  # 与户主关系
    assert "户主" in [c.value for c in wb["代码表"]["A"]]
    assert [r[0].value for r in wb["社区代码"].iter_rows(min_row=2)] == [ZHONGHUA_C1]


def test_the_filled_in_template_imports(family, cw):
    wb = openpyxl.load_workbook(io.BytesIO(household_template_workbook(actor=cw)))
    ws = wb[DATA_SHEET]
    for row in family("T1"):
        ws.append([row.get(h) for h in HEADERS])
    out = io.BytesIO()
    wb.save(out)
    result = household_roster_import(actor=cw, file=out.getvalue(), filename="模板.xlsx")
    assert (result.households, result.persons_created) == (1, 3)


def test_an_uploaded_file_object_is_accepted(family, cw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("名册.xlsx", xlsx(family("U1")))
    result = household_roster_import(actor=cw, file=upload, filename=upload.name)
    assert result.household_numbers == ["U1"]


def test_a_valid_file_is_imported_with_history(family, cw):
    rows = family("H001") + family("H002")
    rows[0].update(
        {"救助类别": "低保、残疾人", "类别起始日期": "2020-01-01", "认定依据": "厦民〔2016〕1号"}
    )
    rows[3]["入户日期"] = dt.datetime(2019, 3, 1)
    result = household_roster_import(actor=cw, file=xlsx(rows), filename="名册.XLSX")
    assert (result.households, result.persons_created, result.memberships, result.enrolments) == (
        2,
        6,
        6,
        2,
    )
    assert result.household_numbers == ["H001", "H002"]
    h1 = Household.objects.get(number="H001")
    assert (h1.division_id, h1.address, h1.is_rural) == (ZHONGHUA_C1, "中华路1号", False)
    members = Membership.objects.filter(household=h1)
    assert sorted(m.relation for m in members) == ["child", "head", "spouse"]
    spouse = Person.objects.get(name="李四", memberships__household=h1)
    assert (spouse.disability_grade, spouse.disability_kind) == (2, "physical")
    assert spouse.hukou_division_id == ZHONGHUA_C1
    assert spouse.residence_address == "中华路1号"
    assert Membership.objects.get(household__number="H002", relation="head").start_date == (
        dt.date(2019, 3, 1)
    )
    assert Membership.objects.get(household=h1, relation="head").start_date == (
        timezone.localdate()
    )
    assert set(Enrolment.objects.values_list("category", flat=True)) == {"dibao", "disabled"}
    for model in (Household, Person, Membership, Enrolment):
        rec = model.history.first()
        assert rec.history_user == cw
        assert rec.history_change_reason == "household_roster_import"
    assert Person.history.count() == 6


def test_codes_and_labels_are_both_accepted(family, cw):
    rows = family("H001")
    rows[0].update({"与户主关系": "head", "性别": "男", "是否农村": "是"})
    rows[1].update({"残疾等级": "二级", "残疾类别": "physical"})
    rows[2]["出生日期"] = dt.date(2010, 5, 5)
    household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    assert Household.objects.get().is_rural


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"身份证号": "350203199001011231"}, "身份证号", "id_checksum"),
        ({"身份证号": "35020319900101"}, "身份证号", "id_length"),
        ({"身份证号": "35020319900101123Y"}, "身份证号", "id_format"),
        ({"身份证号": "350203199002301234"}, "身份证号", "id_birth_date"),
        ({"身份证号": 350203199001011234}, "身份证号", "id_as_number"),
        ({"身份证号": None}, "身份证号", "required"),
        ({"姓名": None}, "姓名", "name_required"),
        ({"出生日期": "1990-01-02"}, "出生日期", "birth_date_mismatch"),
        ({"性别": "女"}, "性别", "sex_mismatch"),
        ({"性别": "X"}, "性别", "sex_invalid"),
        ({"出生日期": "1990-13-01"}, "出生日期", "date_invalid"),
        ({"出生日期": "去年"}, "出生日期", "date_format"),
        ({"与户主关系": "表亲"}, "与户主关系", "relation_invalid"),
        ({"残疾等级": 5, "残疾类别": "肢体"}, "残疾等级", "disability_grade"),
        ({"残疾等级": "重度", "残疾类别": "肢体"}, "残疾等级", "disability_grade"),
        ({"残疾等级": 1}, "残疾类别", "disability_kind_required"),
        ({"残疾类别": "肢体"}, "残疾等级", "disability_grade_required"),
        ({"残疾等级": 1, "残疾类别": "头疼"}, "残疾类别", "disability_kind"),
        ({"死亡日期": "1980-01-01"}, "死亡日期", "death_before_birth"),
        ({"入户日期": "1989-01-01"}, "入户日期", "date_before_birth"),
        ({"是否农村": "也许"}, "是否农村", "yes_no_invalid"),
        ({"所属社区代码": "350203002999"}, "所属社区代码", "division_unknown"),
        ({"所属社区代码": "350203002"}, "所属社区代码", "division_not_community"),
        ({"所属社区代码": ZHONGHUA_C2}, "所属社区代码", "division_out_of_scope"),
        ({"所属社区代码": HULI_C1}, "所属社区代码", "division_out_of_scope"),
        ({"户籍社区代码": "999999999999"}, "户籍社区代码", "division_unknown"),
        ({"救助类别": "富人"}, "救助类别", "category_invalid"),
        ({"救助类别": "低保", "认定依据": "x"}, "类别起始日期", "required"),
        ({"救助类别": "低保", "类别起始日期": "2020-01-01"}, "认定依据", "legal_basis_required"),
        ({"户号": None}, "户号", "required"),
    ],
)
def test_each_bad_cell_is_reported_by_row_and_column(family, make_id, cw, change, field, code):
    rows = family("H001", 身份证号=make_id("19900101"))
    rows[0].update(change)
    problems = reject(cw, rows)
    assert (2, field, code) in problems, problems
    assert nothing_written()


def test_dates_in_the_future_are_refused(family, cw):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    rows = family("H001")
    rows[1]["死亡日期"] = tomorrow
    rows[2]["入户日期"] = tomorrow.isoformat()
    rows[0].update({"救助类别": "低保", "类别起始日期": tomorrow, "认定依据": "x"})
    problems = reject(cw, rows)
    assert {
        (3, "死亡日期", "date_in_future"),
        (4, "入户日期", "date_in_future"),
        (2, "类别起始日期", "date_in_future"),
    } <= set(problems)
    assert nothing_written()


def test_households_need_exactly_one_head(family, cw):
    no_head = family("H001")
    no_head[0]["与户主关系"] = "配偶"
    two_heads = family("H002")
    two_heads[2]["与户主关系"] = "户主"
    problems = reject(cw, no_head + two_heads)
    assert (2, "与户主关系", "head_required") in problems
    assert (7, "与户主关系", "head_twice") in problems
    assert nothing_written()


def test_household_columns_must_agree_and_be_given_once(family, cw):
    rows = family("H001")
    rows[1]["地址"] = "别处"
    no_division = family("H002")
    no_division[0]["所属社区代码"] = None
    problems = reject(cw, rows + no_division)
    assert (3, "地址", "household_inconsistent") in problems
    assert (5, "所属社区代码", "required") in problems


def test_the_same_person_twice_in_the_file(family, cw):
    rows = family("H001") + family("H002")
    rows[4]["身份证号"] = rows[1]["身份证号"]
    problems = reject(cw, rows)
    assert problems == [(6, "身份证号", "id_duplicate_in_file")]
    assert nothing_written()


def test_a_person_already_in_a_household_in_the_database(family, make_id, cw):
    head = person_create(actor=cw, id_number=make_id(), name="王五", hukou_division=ZHONGHUA_C1)
    household_create(actor=cw, division=ZHONGHUA_C1, head=head, number="OLD1")
    rows = family("H001") + family("OLD1")
    rows[2]["身份证号"] = head.id_number
    problems = reject(cw, rows)
    assert (4, "身份证号", "already_in_household") in problems
    assert (5, "户号", "household_number_taken") in problems
    assert Household.objects.count() == 1 and Person.objects.count() == 1


def test_a_registered_person_in_no_household_is_linked(family, make_id, cw):
    p = person_create(actor=cw, id_number=make_id(), name="王五", hukou_division=ZHONGHUA_C1)
    rows = family("H001")
    rows[2].update({"身份证号": p.id_number, "姓名": "王六"})
    assert reject(cw, rows) == [(4, "姓名", "name_mismatch")]
    rows[2]["姓名"] = "王五"
    result = household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    assert (result.persons_created, result.persons_linked) == (2, 1)
    assert Membership.objects.get(person=p).household.number == "H001"


def test_file_level_refusals(family, cw):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert reject(cw, data=svg, filename="roster.xlsx") == [(None, "文件", "file_type")]
    assert reject(cw, data=b"name,id\n", filename="roster.xlsx") == [(None, "文件", "file_type")]
    assert reject(cw, data=b"PK\x03\x04broken", filename="r.xlsx") == [(None, "文件", "file_type")]
    assert reject(cw, data=xlsx([], headers=[]), filename="r.xlsx") == [
        (None, "文件", "empty_file")
    ]
    assert reject(cw, data=xlsx([]), filename="r.xlsx") == [(None, "文件", "empty_file")]
    missing = [h for h in HEADERS if h not in ("身份证号", "与户主关系")]
    assert reject(cw, data=xlsx(family(), headers=missing), filename="r.xlsx") == [
        (1, "身份证号", "missing_header"),
        (1, "与户主关系", "missing_header"),
    ]
    assert nothing_written()


def test_a_workbook_is_taken_by_its_content_not_its_name(family, cw):
    result = household_roster_import(actor=cw, file=xlsx(family()), filename="roster.xls")
    assert result.persons_created == 3


def test_optional_columns_may_be_left_out_and_order_is_free(family, cw):
    headers = ["姓名", "身份证号", "与户主关系", "户号", "所属社区代码"]
    result = household_roster_import(
        actor=cw, file=xlsx(family(), headers=headers), filename="a.xlsx"
    )
    assert result.persons_created == 3


def test_a_roster_of_the_earlier_template_with_its_old_header_still_imports(family, cw):
    """户编号 became 户号 (docs/ui.md glossary); rosters filled in before still import."""
    headers = ["姓名", "身份证号", "与户主关系", "户编号", "所属社区代码"]
    rows = [{**r, "户编号": r["户号"]} for r in family()]
    result = household_roster_import(actor=cw, file=xlsx(rows, headers=headers), filename="a.xlsx")
    assert result.persons_created == 3


def test_every_problem_is_reported_at_once(family, cw):
    rows = family("H001")
    rows[0]["身份证号"] = "350203199001011231"
    rows[1]["与户主关系"] = "表亲"
    rows[2]["死亡日期"] = "2000-02-30"
    assert reject(cw, rows) == [
        (2, "身份证号", "id_checksum"),
        (3, "与户主关系", "relation_invalid"),
        (4, "死亡日期", "date_invalid"),
    ]


def test_messages_are_chinese_under_zh_hans(family, cw):
    rows = family()
    rows[0]["身份证号"] = "350203199001011231"
    rows[1]["所属社区代码"] = HULI_C1
    with translation.override("zh-hans"), pytest.raises(ImportRejected) as err:
        household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    messages = {p.code: p.message for p in err.value.problems}
    # (the project catalogue may word them differently from the registry's own: both are Chinese)
    assert "校验" in messages["id_checksum"]
    assert messages["division_out_of_scope"].startswith(HULI_C1)
    assert (
        "管辖" in messages["division_out_of_scope"] or "辖区" in messages["division_out_of_scope"]
    )
    assert "未导入" in err.value.message
    with translation.override("en"), pytest.raises(ImportRejected) as err:
        household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    assert err.value.problems[0].message == "The ID number's check digit is wrong."


def test_an_officer_outside_the_division_is_refused(family, users):
    problems = reject(users["huli_officer"], family())
    assert (2, "所属社区代码", "division_out_of_scope") in problems


def big_roster(make_id, n_persons: int) -> bytes:
    """A roster of households of 1–4 persons, valid ID numbers, some disabilities and categories."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    ws.append(HEADERS)
    relations = ["户主", "配偶", "子女", "子女"]
    i = 0
    hh = 0
    while i < n_persons:
        hh += 1
        for k in range(1 + hh % 4):
            if i >= n_persons:
                break
            birth = dt.date(1984, 1, 1) + dt.timedelta(days=(i * 7) % 11000)
            row = dict.fromkeys(HEADERS)
            row.update(
                {
                    "户号": f"B{hh:07d}",
                    "所属社区代码": ZHONGHUA_C1 if k == 0 else None,
                    "地址": f"中华路{hh}号" if k == 0 else None,
                    "身份证号": make_id(birth.strftime("%Y%m%d"), sex="MF"[k % 2]),
                    "姓名": f"测试{i}",
                    "与户主关系": relations[k] if k < 4 else "其他",
                }
            )
            if i % 10 == 0:
                row.update({"残疾等级": 1 + i % 4, "残疾类别": "肢体"})
            if k == 0 and hh % 5 == 0:
                row.update({"救助类别": "低保", "类别起始日期": "2020-01-01", "认定依据": "测试"})
            ws.append([row[h] for h in HEADERS])
            i += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.slow
def test_ten_thousand_rows_import(cw, capsys, make_id):
    data = big_roster(make_id, 10_000)
    started = time.perf_counter()
    result = household_roster_import(actor=cw, file=data, filename="big.xlsx")
    elapsed = time.perf_counter() - started
    assert result.persons_created == 10_000
    assert Person.history.count() == 10_000
    with capsys.disabled():
        print(f"\n10,000-row roster import: {elapsed:.2f} s ({result.households} households)")
    # the same file again is refused as a whole (numbers taken, persons in households)
    started = time.perf_counter()
    with pytest.raises(ImportRejected) as err:
        household_roster_import(actor=cw, file=data, filename="big.xlsx")
    elapsed = time.perf_counter() - started
    assert len(err.value.problems) == 10_000 + result.households + result.enrolments
    with capsys.disabled():
        print(f"10,000-row roster rejected: {elapsed:.2f} s")


# ------------------------------------------------------------ jurisdiction of registered persons


def _outside_person(users, make_id, *, name="陈外", household=False, enrolled=False) -> Person:
    """A person registered (户籍) in 湖里 by 湖里's officer, optionally in a 湖里 household and on
    dibao: outside 中华's community worker's jurisdiction."""
    huli = users["huli_officer"]
    p = person_create(
        actor=huli, id_number=make_id(region="350206"), name=name, hukou_division=HULI_C1
    )
    if household:
        household_create(actor=huli, division=HULI_C1, head=p)
    if enrolled:
        from safetynet.registry.services import enrolment_add

        enrolment_add(
            actor=huli,
            person=p,
            category="dibao",
            start_date=dt.date(2020, 1, 1),
            legal_basis="湖里",
        )
    return p


def _answer_for(cw, rows) -> set:
    with pytest.raises(ImportRejected) as err:
        household_roster_import(actor=cw, file=xlsx(rows), filename="a.xlsx")
    return {(p.row, p.field, p.code, p.message) for p in err.value.problems}


def test_a_registered_person_outside_the_jurisdiction_is_not_linked(family, make_id, users, cw):
    p = _outside_person(users, make_id)
    rows = family("H001")
    rows[2].update({"身份证号": p.id_number, "姓名": p.name})
    problems = reject(cw, rows)
    assert problems == [(4, "身份证号", "id_unavailable")]
    assert not Membership.objects.filter(person=p).exists()
    assert not Household.objects.filter(number="H001").exists()
    # 湖里's officer, whose jurisdiction holds the person, links them as before
    rows[0]["所属社区代码"] = HULI_C1
    for r in rows:
        if r is not rows[2]:
            r["身份证号"] = make_id(
                region="350206", birth="19800101" if r is rows[0] else "20100505"
            )
    result = household_roster_import(
        actor=users["huli_officer"], file=xlsx(rows), filename="b.xlsx"
    )
    assert result.persons_linked == 1
    assert Membership.objects.get(person=p).household.number == "H001"


@pytest.mark.parametrize("bad_extra_row", [False, True])
def test_the_importer_does_not_tell_whether_an_id_is_registered_elsewhere(
    family, make_id, member, users, cw, bad_extra_row
):
    """Whatever the outside person's name, household or enrolments, the answer is the same
    (code and message), and nothing more is said about them (no name, household or overlap)."""
    variants = [
        _outside_person(users, make_id, name="陈甲"),  # in no household, same name typed
        _outside_person(users, make_id, name="陈乙", household=True),  # in a household there
        _outside_person(users, make_id, name="陈丙", enrolled=True),  # on dibao there
    ]
    answers = []
    for i, p in enumerate(variants):
        rows = family("H001")
        rows[2].update(
            {
                "身份证号": p.id_number,
                "姓名": p.name if i == 0 else "别的名字",  # a wrong name must not be reported
                "救助类别": "低保",
                "类别起始日期": "2020-06-01",
                "认定依据": "测试",
            }
        )
        if bad_extra_row:
            rows.append(member("H002", 身份证号="123"))
        answers.append(
            {(row, field, code, msg) for row, field, code, msg in _answer_for(cw, rows) if row == 4}
        )
    assert answers[0] == answers[1] == answers[2]
    ((_, field, code, message),) = answers[0]
    assert (field, code) == ("身份证号", "id_unavailable")
    for p in variants:
        assert p.name not in message
    assert Household.objects.filter(number="H001").count() == 0


def test_person_create_does_not_describe_an_id_registered_outside(make_id, users, cw):
    from safetynet.core.errors import ServiceError

    inside = person_create(actor=cw, id_number=make_id(), name="王五", hukou_division=ZHONGHUA_C1)
    outside = _outside_person(users, make_id)
    with pytest.raises(ServiceError) as err:
        person_create(actor=cw, id_number=inside.id_number, name="x", hukou_division=ZHONGHUA_C1)
    assert err.value.code == "id_duplicate"  # one the actor can find anyway
    with pytest.raises(ServiceError) as err:
        person_create(actor=cw, id_number=outside.id_number, name="x", hukou_division=ZHONGHUA_C1)
    assert err.value.code == "id_unavailable"
    assert outside.name not in err.value.message
