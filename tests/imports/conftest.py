import datetime
import itertools

import pytest
from openpyxl import Workbook

from recruitment.importing.workbook import PEOPLE, TARGETS, UNITS

HEADERS = {spec.title: [column.header for column in spec.columns] for spec in (UNITS, TARGETS, PEOPLE)}
_files = itertools.count(1)


@pytest.fixture(autouse=True)
def _imports_in_request(settings, tmp_path):
    settings.IMPORT_IN_BACKGROUND = False
    settings.IMPORT_FILE_DIR = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workbook(tmp_path):
    """workbook({"Quần chúng": [row, ...]}) -> path of an .xlsx with the template's headers.

    A sheet given as {"headers": [...], "rows": [...]} uses its own headers; rows are tuples in
    header order or dicts by header.
    """

    def build(sheets):
        book = Workbook()
        book.remove(book.active)
        for title, content in sheets.items():
            if isinstance(content, dict):
                headers, rows = content["headers"], content["rows"]
            else:
                headers, rows = HEADERS[title], content
            sheet = book.create_sheet(title)
            sheet.append(headers)
            for row in rows:
                if isinstance(row, dict):
                    row = [row.get(header) for header in headers]
                sheet.append(list(row))
        path = tmp_path / f"book{next(_files)}.xlsx"
        book.save(path)
        return path

    return build


def person(cell="A1-1", name="Nguyễn Văn An", dob="15/03/1995", gender="Nam", **by_header):
    row = {"Mã chi bộ": cell, "Họ và tên": name, "Ngày sinh": dob, "Giới tính": gender}
    row.update(by_header)
    return row


def admitted_person(cell="A1-1", name="Lò Thị Bình", citizen_id="012096004321", **extra):
    return person(
        cell,
        name,
        datetime.datetime(1996, 7, 2),
        "nu",
        **{
            "Dân tộc": "Khơ Mú",
            "Số CCCD": citizen_id,
            "Đoàn viên": "x",
            "Ngày vào danh sách quần chúng ưu tú": "01/03/2022",
            "Ngày cấp giấy chứng nhận bồi dưỡng": "20/05/2022",
            "Ngày nghị quyết chi bộ": "10/02/2023",
            "Ngày quyết định kết nạp": "15/03/2023",
            "Số quyết định kết nạp": "125-QĐ/HU",
            "Ngày lễ kết nạp": "01/04/2023",
            "Ngày công nhận chính thức": "05/04/2024",
            **extra,
        },
    )
