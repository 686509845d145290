import datetime
import itertools

import pytest
from openpyxl import Workbook

from recruitment.importing.workbook import PEOPLE, TARGETS, UNITS

HEADERS = {spec.title: [column.header for column in spec.columns] for spec in (UNITS, TARGETS, PEOPLE)}
_files = itertools.count(1)


@pytest.fixture(autouse=True)
def _imports_in_request(settings, tmp_path, jobs_run_at_once):
    """The check and the import are jobs: here the worker runs them as soon as they are queued."""
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


def complete_person(cell="A1-1", name="Lò Thị Bình", citizen_id="012096004321", **extra):
    """A whole file in the template's layout, to official recognition: nothing is missing."""
    return person(
        cell,
        name,
        datetime.datetime(1996, 7, 2),
        "Nữ",
        **{
            "Dân tộc": "Khơ-mú",
            "Nghề nghiệp": "Viên chức",
            "Giáo dục phổ thông": "12/12",
            "Chuyên môn nghiệp vụ": "Đại học",
            "Lý luận chính trị": "Sơ cấp",
            "Đoàn viên": "Có",
            "Số CCCD": citizen_id,
            "Ngày vào danh sách quần chúng ưu tú": datetime.datetime(2022, 3, 1),
            "Đảng viên giúp đỡ": "Lò Văn Sơn",
            "Số giấy chứng nhận bồi dưỡng": "15-GCN/TTCT",
            "Ngày cấp giấy chứng nhận bồi dưỡng": datetime.datetime(2022, 5, 20),
            "Ngày làm đơn xin vào Đảng": datetime.datetime(2022, 9, 5),
            "Tổ chức đoàn thể giới thiệu": "Ban Chấp hành Đoàn cơ sở",
            "Đảng viên giới thiệu thứ nhất": "Lò Văn Sơn",
            "Ngày nghị quyết chi bộ": datetime.datetime(2023, 2, 10),
            "Ngày quyết định kết nạp": datetime.datetime(2023, 3, 15),
            "Số quyết định kết nạp": "125-QĐ/HU",
            "Cấp ủy ra quyết định": "Ban Thường vụ Huyện ủy Mẫu",
            "Ngày lễ kết nạp": datetime.datetime(2023, 4, 1),
            "Ngày học lớp đảng viên mới": datetime.datetime(2023, 6, 15),
            "Số quyết định công nhận chính thức": "30-QĐ/HU",
            "Ngày công nhận chính thức": datetime.datetime(2024, 4, 5),
            **extra,
        },
    )
