"""units.text.xml_illegal / strip_xml_illegal: the one test of what XML 1.0 (and so an .xlsx) can hold."""

import io

import pytest
from openpyxl import Workbook

from units.text import strip_xml_illegal, xml_illegal

ILLEGAL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff"]
LEGAL = ["\t", "\n", "\r", " ", "Nguyễn Văn Ân", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff", "😀"]


@pytest.mark.parametrize("char", ILLEGAL)
def test_illegal_characters_are_found_and_stripped(char):
    text = f"An{char}Bình"
    assert xml_illegal(text) == char
    assert strip_xml_illegal(text) == "AnBình"


@pytest.mark.parametrize("text", LEGAL)
def test_legal_text_is_left_alone(text):
    assert xml_illegal(text) == ""
    assert strip_xml_illegal(text) == text


def test_non_text_values():
    assert xml_illegal(None) == "" and xml_illegal(12) == ""
    assert strip_xml_illegal(None) is None and strip_xml_illegal(12) == 12


@pytest.mark.parametrize("char", ILLEGAL)
def test_what_is_stripped_can_be_written_to_excel(char):
    book = Workbook()
    book.active["A1"] = strip_xml_illegal(f"a{char}b")
    book.save(io.BytesIO())


def test_what_is_left_is_exactly_what_an_xlsx_can_hold():
    """Every character the test lets through can be written (lxml refuses the others)."""
    book = Workbook()
    book.active["A1"] = "".join(LEGAL)
    book.save(io.BytesIO())
