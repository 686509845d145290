import datetime

from django.template import Context, Template
from django.utils import translation

from units.formatting import vn_decimal, vn_int, vn_percent
from units.text import fold, match_key, name_sort_key


def test_fold_ignores_diacritics_case_and_spacing():
    assert fold("  Nguyễn  Văn ÂN ") == "nguyen van an"
    assert fold("Đặng Thị Đào") == "dang thi dao"


def test_match_key_also_ignores_spaces_and_hyphens():
    assert match_key("Khơ Mú") == match_key("khơ-mú") == match_key("KHO MU") == "khomu"


def test_names_sort_by_given_name_then_family_name_the_vietnamese_way():
    names = [
        "Nguyễn Văn Anh",
        "Đỗ Văn Bình",
        "Trần Thị Ánh",
        "Phạm Văn Ân",
        "Lê Anh",
        "Hoàng Thị Ăn",
        "Nguyễn Văn An",
        "Lò Thị Àn",
    ]
    assert sorted(names, key=name_sort_key) == [
        "Nguyễn Văn An",
        "Lò Thị Àn",
        "Lê Anh",
        "Nguyễn Văn Anh",
        "Trần Thị Ánh",
        "Hoàng Thị Ăn",
        "Phạm Văn Ân",
        "Đỗ Văn Bình",
    ]
    # đ is its own letter after d
    assert sorted(["Lê Đức", "Lê Dung"], key=name_sort_key) == ["Lê Dung", "Lê Đức"]


def test_numbers_the_vietnamese_way():
    assert vn_int(6311) == "6.311"
    assert vn_int(500000) == "500.000"
    assert vn_percent(6311 / 6300) == "100,2%"
    assert vn_percent(11388 / 12064) == "94,4%"
    assert vn_percent(46 / 150) == "30,7%"
    assert vn_percent(None) == "—"
    assert vn_decimal(35.64, 2) == "35,64"


def test_dates_are_dd_mm_yyyy_in_both_languages():
    template = Template("{{ day|date:'SHORT_DATE_FORMAT' }}")
    for language in ("vi", "en"):
        with translation.override(language):
            assert template.render(Context({"day": datetime.date(2017, 6, 30)})) == "30/06/2017"
