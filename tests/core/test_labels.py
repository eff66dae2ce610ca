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
