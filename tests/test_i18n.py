"""Every user-facing string is translated; a stale or missing catalog fails here."""
import pytest

from wardens.i18n import AREAS, check


@pytest.mark.parametrize("area", AREAS, ids=lambda a: a.name)
def test_catalog_is_complete_and_compiled(area):
    assert check(area) == []


def test_chinese_is_the_default_and_english_is_available(client):
    page = client.get("/login")
    assert "登录" in page.text and 'lang="zh-CN"' in page.text
    client.post("/language", data={"lang": "en"})
    page = client.get("/login")
    assert "Log in" in page.text and 'lang="en"' in page.text
