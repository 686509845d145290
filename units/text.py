"""Vietnamese text: matching that ignores diacritics, and sorting the Vietnamese way."""

import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text):
    """Lower case, no diacritics, single spaces: "  Nguyễn  Văn Ân " -> "nguyen van an"."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def match_key(text):
    """A key for reference values typed by people: also ignores spaces and hyphens ("Khơ Mú" == "khơ-mú")."""
    return "".join(ch for ch in fold(text) if ch not in " -‐–_.")


# Vietnamese alphabet order; f, j, w, z appear only in foreign names and go where Latin puts them.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_RANK = {letter: index + 1 for index, letter in enumerate(_ALPHABET)}
# Tones in dictionary order: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SHAPE = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter, not the tone


def _word_key(word):
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", word.casefold()):
        parts = unicodedata.normalize("NFD", char)
        base = parts[0]
        shape = "".join(p for p in parts[1:] if p in _SHAPE)
        tone = next((_TONE_RANK[p] for p in parts[1:] if p in _TONE_RANK), 0)
        letter = unicodedata.normalize("NFC", base + shape)
        if letter in _LETTER_RANK:
            letters.append(f"{_LETTER_RANK[letter]:02d}")
            tones.append(str(tone))
        elif base in "0123456789":  # ASCII digits only: "²" and "①" are digits to isdigit(), not to int()
            letters.append(f"{40 + int(base):02d}")
            tones.append("0")
    # Letters decide first, tones only between otherwise equal words (as dictionaries do).
    return "".join(letters) + "00" + "".join(tones)


def name_sort_key(full_name):
    """Sort key for a Vietnamese name: given name, then family name, then middle names.

    Digits only, so every database collation orders it the same way.
    """
    words = full_name.split()
    if not words:
        return ""
    ordered = [words[-1], words[0], *words[1:-1]] if len(words) > 1 else words
    return "00".join(_word_key(word) for word in ordered)[:250]


# What XML 1.0 may hold: tab, newline, carriage return, and U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
# Anything else (other control characters, U+FFFE / U+FFFF, lone surrogates) breaks an .xlsx (lxml and
# openpyxl refuse to write it) and any other XML the app sends.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_illegal(text):
    """The characters of `text` that XML 1.0 cannot hold, in order ("" when there are none): truthy
    exactly when the text cannot go into an Excel file as it is. Non-text values hold none."""
    if not isinstance(text, str):
        return ""
    return "".join(_XML_ILLEGAL.findall(text))


def strip_xml_illegal(text):
    """`text` without the characters XML 1.0 cannot hold (a non-text value is returned as it is)."""
    if not isinstance(text, str):
        return text
    return _XML_ILLEGAL.sub("", text)
