"""The one label map (safetynet.core.labels, ADR 1010): every code a model, the rules engine or a
verification source can store has a Chinese label, and the helpers format exactly."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.template import Context, Template
from django.utils import translation

from safetynet.core import labels

CJK = range(0x4E00, 0x9FFF + 1)


def _has_cjk(text: str) -> bool:
    return any(ord(c) in CJK for c in text)


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_every_code_of_every_kind_has_a_chinese_label(kind):
    with translation.override("zh-hans"):
        for code, _label in labels.choices(kind):
            text = labels.label(kind, code)
            if (kind, code) == ("unit", "percent") or kind == "bank_file_format":
                continue  # "%", "Excel (.xlsx)", "CSV": the same in Chinese
            assert _has_cjk(text), f"{kind}:{code} has no Chinese label: {text!r}"


@pytest.mark.parametrize("kind", sorted(labels.KINDS))
def test_english_labels_are_english(kind):
    with translation.override("en"):
        for code, _label in labels.choices(kind):
            text = labels.label(kind, code)
            assert text and not _has_cjk(text.split("(")[0]), f"{kind}:{code}: {text!r}"


def test_every_reason_code_of_the_rules_engine_has_a_label():
    import re
    from pathlib import Path

    import safetynet.rules as rules_pkg

    root = Path(rules_pkg.__file__).parent
    source = "".join(p.read_text() for p in root.glob("*.py"))
    used = set(re.findall(r'reason\(\s*"([A-Z_]+)"', source))
    used |= set(re.findall(r'select_reason\([^)]*?"([A-Z_]+)"', source))
    assert used, "no reason codes found: the search is wrong"
    assert used - set(labels.REASONS) == set()


def test_every_verification_source_has_a_label():
    from safetynet.verification.sources.catalog import SOURCES

    with translation.override("zh-hans"):
        assert labels.label("source", "bank_abc") == SOURCES["bank_abc"].name_zh
        for code in SOURCES:
            assert _has_cjk(labels.label("source", code))


def test_labels_follow_the_active_language():
    with translation.override("zh-hans"):
        assert labels.label("relation", "head") == "户主"
        assert labels.label("sex", "F") == "女"
        assert labels.label("program", "dibao") == "最低生活保障（低保）"
        assert labels.label("reason", "NO_ELIGIBLE_MEMBER") == "无符合条件的家庭成员"
        assert labels.label("bool", False) == "否"
    with translation.override("en"):
        assert labels.label("relation", "head") == "Head of household"
        assert (
            labels.label("reason", "NO_ELIGIBLE_MEMBER") == "No member of the household qualifies"
        )
        assert labels.label("bool", True) == "yes"


def test_lazy_label_is_evaluated_in_the_language_of_the_moment():
    lazy_label = labels.label_lazy("sex", "M")
    with translation.override("zh-hans"):
        assert str(lazy_label) == "男"
    with translation.override("en"):
        assert str(lazy_label) == "Male"


def test_unknown_code_comes_back_unchanged_and_unknown_kind_is_an_error():
    assert labels.label("relation", "cousin") == "cousin"
    assert labels.label("relation", None) == ""
    with pytest.raises(KeyError):
        labels.label("no-such-kind", "x")


@pytest.mark.parametrize(
    "ratio,text",
    [
        ("0.035", "3.5%"),
        (0.035, "3.5%"),
        (Decimal("0.5"), "50%"),
        (Fraction(1, 3), "33.33333333333333333333333333%"),
        ("1", "100%"),
        ("0.0001", "0.01%"),
        (None, "—"),
    ],
)
def test_percent_is_exact(ratio, text):
    assert labels.percent(ratio) == text


def test_percent_rounds_half_up_when_asked():
    assert labels.percent(Fraction(1, 3), places=2) == "33.33%"


def test_yes_no():
    with translation.override("zh-hans"):
        assert labels.yes_no(True) == "是"
        assert labels.yes_no("False") == "否"
        assert labels.yes_no(None) == "—"


@pytest.mark.django_db
def test_division_names_and_paths(divisions):
    labels.clear_caches()
    assert labels.division_name("350203") == "思明区"
    assert labels.division_name("999999") == "999999"
    assert labels.division_path("350203002") == "厦门市 › 思明区 › 中华街道"
    assert labels.label("division", "350200") == "厦门市"


@pytest.mark.django_db
def test_template_filters(divisions):
    labels.clear_caches()
    t = Template(
        '{% load labels %}{{ s|label:"source" }}|{{ b|yes_no }}|{{ d|division_name }}|'
        "{{ r|percent }}|{{ d|division_path }}"
    )
    with translation.override("zh-hans"):
        out = t.render(Context({"s": "bank_abc", "b": False, "d": "350203", "r": "0.5"}))
    assert out == "中国农业银行存款信息|否|思明区|50%|厦门市 › 思明区"


def test_the_engines_refusals_read_in_chinese():
    with translation.override("zh-hans"):
        wrong = "the ID number's check digit is wrong (GB 11643 checksum)"
        assert labels.situation_message(wrong) == "身份证号码校验位错误"
        assert labels.situation_message("must be an integer, got 'x'") == "须为整数，不能是 'x'"
        assert labels.situation_message("is required") == "必填"
        assert labels.situation_message("something new") == "something new"
    with translation.override("en"):
        assert labels.situation_message("is required") == "is required"


def test_legal_references_keep_the_legal_part_in_chinese():
    ref = (
        "POLICY.md §8 [pub]: 民政部《最低生活保障审核确认办法》（民发〔2021〕57号） "
        "and Fujian practice: public notice 7 days"
    )
    with translation.override("zh-hans"):
        assert labels.legal_reference(ref, "published") == (
            "民政部《最低生活保障审核确认办法》（民发〔2021〕57号）"
        )
        assert labels.legal_reference(
            "docs POLICY.md §3: vehicles limit [set]", "default-to-confirm"
        ) == ("系统默认值，待民政局确认")
    with translation.override("en"):
        assert labels.legal_reference(ref, "published") == ref


def test_trace_sentences_name_each_parameter_with_value_date_and_reference():
    import json
    from pathlib import Path

    from safetynet.rules import calculate

    example = Path("docs/examples/rules/dibao-two-persons.json").read_text("utf-8")
    out = calculate(json.loads(example), "2019-07", trace=True)
    with translation.override("zh-hans"):
        lines = labels.trace_sentences(out["trace"]["dibao"], ["陈阿婆", "陈明"])
    assert lines[0].startswith("城乡低保标准（每人每月）：800.00 元（自 2019-07-01 起施行；依据：")
    assert "符合条件：是" in lines
    assert "原因：符合条件" in lines or "理由：符合条件" in lines
    assert not any("True" in line or "ELIGIBLE" in line for line in lines)
    # every figure the engine traces has a label (no English engine label left)
    for program, section in out["trace"].items():
        for f in section["figures"]:
            assert labels.trace_figure_label(f["label"]) != f["label"], (program, f["label"])


def test_every_parameter_has_a_chinese_name():
    from safetynet.rules import load_parameters

    names = {p["name"] for p in load_parameters().describe()}
    assert names - set(labels.PARAMETER_NAMES_ZH) == set()


def test_the_report_words_items_and_reasons_from_the_one_label_map():
    """ADR 1032: verification/report.py has no word list of its own; its stored Chinese text
    comes from core.labels whatever the active language."""
    from django.utils import translation

    from safetynet.core import labels
    from safetynet.verification import report

    assert not hasattr(report, "REASON_TEXT") and not hasattr(report, "ITEM_LABELS")
    with translation.override("en"):
        assert report.reason_text("ASSETS_ABOVE_LIMIT") == "家庭财产超过规定限额"
        assert report.item_label("vehicles") == "机动车（辆）"
        for code in labels.REASONS:
            assert report.reason_text(code) == labels.label_zh("reason", code)
