"""The UI is Chinese for an English browser until the user switches language."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_the_chinese_login_page(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()


def test_the_language_switch_still_selects_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert 'lang="en"' in page.content.decode()
