"""The cases app's own catalogues (safetynet/cases/locale): Chinese and English complete, not
fuzzy, compiled."""

import gettext
from pathlib import Path

import pytest

import safetynet.cases
from tests.helpers.catalogues import po_entries

LOCALE = Path(safetynet.cases.__file__).parent / "locale"


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_cases_catalogue_complete_and_compiled(lang):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 150
    assert not [m for m, s, _ in entries if not s]
    assert not [m for m, _, fuzzy in entries if fuzzy]
    with (LOCALE / lang / "LC_MESSAGES" / "django.mo").open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    missing = [m for m, _, _ in entries if m.replace('\\"', '"') not in catalog]
    assert not missing, f"run make messages: {missing[:5]}"
    if lang == "zh_Hans":
        assert catalog["Casework"] == "救助办理"
        assert catalog["Apply for assistance"] == "发起申请"
