"""Program and category names come from one catalogue (safetynet.rules.catalog): every place that
names them reads it, in Chinese and in English."""

import pytest
from django.utils import translation

from safetynet.core import labels
from safetynet.registry.importers import CATEGORY_LABELS
from safetynet.registry.models import Category
from safetynet.rules import PROGRAMS
from safetynet.rules.catalog import CATALOG, CATEGORY_CODES, PROGRAM_CODES, VERIFIED_PROGRAMS
from safetynet.verification.models import Program
from safetynet.verification.report import PROGRAM_NAMES
from safetynet.web.rules_selectors import PROGRAM_ORDER


def test_codes_are_the_catalogues():
    assert set(Category.values) == set(CATEGORY_CODES)
    assert set(Program.values) == set(VERIFIED_PROGRAMS)
    assert list(PROGRAMS) == list(PROGRAM_CODES)
    assert {c for c in PROGRAM_ORDER if c in CATALOG} == set(PROGRAM_CODES)


@pytest.mark.parametrize(("language", "field"), [("zh-hans", "name_zh"), ("en", "title")])
def test_every_place_shows_the_catalogues_label(language, field):
    with translation.override(language):
        for code in PROGRAM_CODES:
            assert labels.label("parameter_group", code) == getattr(CATALOG[code], field)
            assert labels.label("program", code) == getattr(CATALOG[code], field)
        for code, label in Category.choices:
            assert str(label) == translation.gettext(CATALOG[code].choice)
        for code, label in Program.choices:
            assert str(label) == str(dict(Category.choices)[code])
    for code in VERIFIED_PROGRAMS:
        assert PROGRAM_NAMES[code] == CATALOG[code].name_zh
    assert {label: str(c) for label, c in CATEGORY_LABELS.items()} == {
        CATALOG[c].short_zh: c for c in CATEGORY_CODES
    }


def test_the_chinese_category_labels_are_translated():
    with translation.override("zh-hans"):
        assert str(Category.DIBAO.label) == "低保"
        assert str(Program.ILLNESS_POVERTY.label) != CATALOG["illness_poverty"].choice
