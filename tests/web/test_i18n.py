"""The shared catalogues: Chinese complete, compiled, and used by default."""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.helpers.catalogues import po_entries

LOCALE = Path(settings.LOCALE_PATHS[0])


def test_chinese_catalogue_is_complete_and_not_fuzzy():
    entries = po_entries(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert entries
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if is_fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_chinese_catalogue_is_compiled():
    mo = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    missing = []
    for msgid, _, _ in po_entries(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"):
        key = msgid.replace('\\"', '"').replace("\\n", "\n")
        if key not in catalog and (key, 0) not in catalog:
            missing.append(msgid)
    assert not missing, f"run compilemessages: {missing[:5]}"


@pytest.mark.django_db
def test_chinese_is_the_default(client):
    content = client.get(reverse("login")).content.decode()
    assert 'lang="zh-hans"' in content
    assert "登录" in content
