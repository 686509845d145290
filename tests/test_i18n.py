"""Vietnamese by default, English through the language switch; the catalogue is complete and compiled."""

import pathlib

import pytest
from django.utils import translation

from recruitment.pipeline import Stage

CATALOGUE = pathlib.Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES"


def test_vietnamese_is_the_default(client, db):
    response = client.get("/dang-nhap/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert response.headers["Content-Language"] == "vi"


def test_english_is_selectable(client, db):
    response = client.post("/ngon-ngu/", {"language": "en", "next": "/dang-nhap/"}, follow=True)
    page = response.content.decode()
    assert "Log in" in page and "Đăng nhập" not in page


def test_rule_messages_have_an_english_translation():
    with translation.override("en"):
        assert str(Stage.PROBATIONARY.label) == "Probationary member"


def test_every_string_is_translated_and_compiled():
    polib = pytest.importorskip("polib")
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    compiled = {entry.msgid for entry in polib.mofile(str(CATALOGUE / "django.mo"))}
    assert {entry.msgid for entry in catalogue.translated_entries()} <= compiled


def test_an_english_browser_still_gets_vietnamese_until_english_is_chosen(client, db):
    response = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in response.content.decode()
    client.post("/ngon-ngu/", {"language": "en", "next": "/dang-nhap/"})
    response = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="vi")
    assert "Log in" in response.content.decode()
