"""The downloadable template: the three sheets with their headers, an instructions sheet, example
rows, and drop-down lists (data validation) for every fixed value."""

import datetime
from io import BytesIO

from django.utils.translation import gettext as _

from units.models import GrassrootsType, UnitKind

from ..models import Ethnicity, Gender, Occupation, PoliticalTheory, ProfessionalEducation, Religion
from .workbook import MAX_FILE_SIZE, PEOPLE, TARGETS, UNITS

LIST_SHEET = "Danh mục"
VALIDATED_ROWS = 5000  # drop-downs cover this many rows; more rows can be pasted in


def _examples():
    d = datetime.date
    return {
        UNITS.key: [
            ("VD-TINH", "Đảng bộ tỉnh Mẫu", "Đảng bộ tỉnh", "", "", None),
            ("VD-CS01", "Đảng bộ xã Mẫu", "Đảng bộ cơ sở", "VD-HUYEN", "Xã, phường, thị trấn", None),
            ("VD-HUYEN", "Đảng bộ huyện Mẫu", "Đảng bộ trực thuộc", "VD-TINH", "", None),
            ("VD-CB01", "Chi bộ thôn Mẫu", "Chi bộ", "VD-CS01", "", 25),
        ],
        TARGETS.key: [("VD-HUYEN", 2025, 120), ("VD-HUYEN", "2020-2025", 600), ("VD-CB01", 2025, 2)],
        PEOPLE.key: [
            (
                "VD-CB01",
                "Nguyễn Văn An",
                d(1998, 3, 15),
                "Nam",
                "Kinh",
                "Không",
                "Nông dân",
                "12/12",
                "",
                "",
                "Có",
                "001098001234",
                d(2024, 1, 10),
                None,
                None,
                None,
                None,
                None,
                None,
            ),
            (
                "VD-CB01",
                "Lò Thị Bình",
                d(1996, 7, 2),
                "Nữ",
                "Khơ-mú",
                "",
                "Viên chức",
                "12/12",
                "Đại học",
                "Sơ cấp",
                "x",
                "012096004321",
                d(2022, 3, 1),
                d(2022, 5, 20),
                d(2023, 2, 10),
                d(2023, 3, 15),
                "125-QĐ/HU",
                d(2023, 4, 1),
                d(2024, 4, 5),
            ),
        ],
    }


def _instructions(max_mb):
    return [
        _("Hướng dẫn nhập dữ liệu phát triển đảng viên"),
        "",
        _(
            "Tệp có thể có một, hai hoặc cả ba trang “Đơn vị”, “Chỉ tiêu”, “Quần chúng”, theo thứ tự bất kỳ. "
            "Giữ nguyên tên trang và dòng tiêu đề; xóa các dòng ví dụ (mã bắt đầu bằng VD-) trước khi nhập."
        ),
        _(
            "Tất cả hoặc không: nếu có bất kỳ dòng nào lỗi thì không dòng nào được ghi; hệ thống liệt kê mọi lỗi "
            "(trang, dòng, cột, giá trị) để sửa rồi nhập lại. Trước khi ghi luôn có bước xem trước."
        ),
        _(
            "Nhập lại an toàn: cùng mã đơn vị, cùng đơn vị và kỳ chỉ tiêu, cùng người (số CCCD, hoặc chi bộ + họ tên "
            "+ ngày sinh) thì được cập nhật, không tạo bản trùng."
        ),
        "",
        _(
            "Trang “Đơn vị”: Mã đơn vị, Tên đơn vị, Loại tổ chức là bắt buộc. Mã đơn vị cấp trên bỏ trống chỉ với "
            "Đảng bộ tỉnh; đơn vị cấp trên có thể nằm sau đơn vị cấp dưới trong trang, hoặc đã có trong hệ thống. "
            "Loại hình cơ sở bắt buộc với đảng bộ cơ sở và chi bộ cơ sở (đơn vị cấp dưới nhận theo). "
            "Số đảng viên chỉ ghi ở chi bộ, là số của năm hiện tại."
        ),
        _("Trang “Chỉ tiêu”: Kỳ là một năm (2025) hoặc một nhiệm kỳ (2020-2025); Chỉ tiêu kết nạp là số nguyên."),
        _(
            "Trang “Quần chúng”: chỉ bốn cột đầu (Mã chi bộ, Họ và tên, Ngày sinh, Giới tính) là bắt buộc. "
            "Dân tộc để trống là Kinh; Nghề nghiệp để trống là Khác; Tôn giáo để trống hoặc “Không” là không theo tôn giáo. "
            "Một dòng có thể là người mới vào danh sách hay người đã công nhận chính thức từ lâu; hồ sơ thiếu bước được "
            "nhận và đánh dấu chưa đầy đủ. Khi cập nhật, ô trống xóa giá trị cũ; cột không có trong tệp thì giữ nguyên."
        ),
        _(
            "Ngày ghi dạng ngày của Excel hoặc ngày/tháng/năm (25/03/1995). Có/Không ghi “Có”, “Không”, “x” hoặc để trống. "
            "Chữ được so khớp không phân biệt hoa thường, dấu, dấu cách, gạch nối (“nu” = “Nữ”, “Khơ Mú” = “Khơ-mú”). "
            "Số CCCD gồm 12 chữ số; nên định dạng cột là Văn bản (nếu nhập dạng số, số 0 đầu được tự thêm lại)."
        ),
        _("Các cột có danh sách chọn (mũi tên) lấy giá trị từ trang “Danh mục”."),
        _("Dung lượng tối đa %(mb)d MB; tệp lớn hơn hãy chia nhỏ.") % {"mb": max_mb},
    ]


def build_template():
    """The template as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    guide = book.active
    guide.title = _("Hướng dẫn")
    for number, line in enumerate(_instructions(MAX_FILE_SIZE // 1048576), start=1):
        cell = guide.cell(row=number, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120

    lists = {
        "kind": [str(label) for label in UnitKind.labels],
        "grassroots_type": [str(label) for label in GrassrootsType.labels],
        "gender": [str(label) for label in Gender.labels],
        "ethnicity": list(Ethnicity.objects.order_by("name").values_list("name", flat=True)),
        "religion": ["Không", *Religion.objects.order_by("name").values_list("name", flat=True)],
        "occupation": [str(label) for label in Occupation.labels],
        "professional_education": [str(label) for label in ProfessionalEducation.labels],
        "political_theory": [str(label) for label in PoliticalTheory.labels],
        "youth_union_member": ["Có", "Không"],
    }
    list_sheet = book.create_sheet(LIST_SHEET)
    ranges = {}
    for index, (key, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        list_sheet.cell(row=1, column=index, value=key)
        for row, item in enumerate(items, start=2):
            list_sheet.cell(row=row, column=index, value=item)
        ranges[key] = f"'{LIST_SHEET}'!${letter}$2:${letter}${len(items) + 1}"

    header_fill = PatternFill("solid", fgColor="FFE3E3")
    examples = _examples()
    for spec in (UNITS, TARGETS, PEOPLE):
        sheet = book.create_sheet(spec.title)
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.header)
            cell.font = Font(bold=True)
            if column.required:
                cell.fill = header_fill
            sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column.header) + 4)
            if column.key in ranges:
                validation = DataValidation(
                    type="list",
                    formula1=ranges[column.key],
                    allow_blank=True,
                    showErrorMessage=column.key not in ("ethnicity", "religion"),
                )
                validation.error = _("Chọn một giá trị trong danh sách.")
                sheet.add_data_validation(validation)
                validation.add(f"{get_column_letter(index)}2:{get_column_letter(index)}{VALIDATED_ROWS}")
            if column.key in ("citizen_id", "code", "cell", "parent", "period"):
                # Text columns, so Excel keeps a citizen ID's leading zero and a code like "01" as typed.
                sheet.column_dimensions[get_column_letter(index)].number_format = "@"
        for row, values in enumerate(examples[spec.key], start=2):
            for index, value in enumerate(values, start=1):
                cell = sheet.cell(row=row, column=index, value=value)
                if isinstance(value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
    list_sheet.sheet_state = "hidden"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
