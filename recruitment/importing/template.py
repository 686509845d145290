"""The downloadable template: every sheet the import reads, with its headers, an instructions sheet, example
rows, and drop-down lists (data validation) for every fixed value.

Every cell is written through units.spreadsheets.set_safe_value: a reference value from the database
named like a formula ('=HYPERLINK(...)') stays text in the file sent out."""

import datetime
from io import BytesIO

from django.utils.translation import gettext as _

from units.formatting import vn_int
from units.models import GrassrootsType, ReorgKind, UnitKind
from units.roles import Role
from units.spreadsheets import set_safe_value

from ..models import (
    Ethnicity,
    FormerExit,
    Gender,
    Occupation,
    PoliticalTheory,
    ProfessionalEducation,
    Religion,
)
from ..pipeline import IntroducingOrganisation
from . import values
from .workbook import ACCOUNTS, MAX_FILE_SIZE, PEOPLE, REORGANISATION, TARGETS, UNITS, max_rows

LIST_SHEET = "Danh mục"
VALIDATED_ROWS = 5000  # drop-downs cover this many rows; more rows can be pasted in
# Text columns, so Excel keeps a citizen ID's leading zero, a code like "01" and "12/12" as typed
# (a date-like "12/12" in a General cell becomes 12 December).
TEXT_COLUMNS = (
    "citizen_id",
    "code",
    "cell",
    "parent",
    "period",
    "general_education",
    "unit",
    "username",
    "codes",
    "new_code",
)
DATE_COLUMNS = ("effective_date",)  # dates as DD/MM/YYYY before anything is typed
# Columns whose list is not named by their key: on "Sắp xếp tổ chức", "kind" is the event's kind
# and the unit's kind is "unit_kind".
SHEET_LISTS = {REORGANISATION.key: {"kind": "reorg_kind", "unit_kind": "kind"}}
# A split is written as its parts (recruitment.importing.reorganisation): not offered in the list.
REORG_KINDS = [kind for kind in ReorgKind if kind != ReorgKind.SPLIT]
# Lists whose cells may also hold something else that is read (words for the education, a spelling
# of an ethnic group): Excel warns but does not refuse.
OPEN_LISTS = ("ethnicity", "religion", "general_education")
GENERAL_EDUCATION = [f"{grade}/12" for grade in range(12, 0, -1)] + [f"{grade}/10" for grade in range(10, 0, -1)]


def _examples():
    d = datetime.date
    return {
        UNITS.key: [
            # Member counts at every level: each unit's own total for this year.
            ("VD-TINH", "Đảng bộ tỉnh Mẫu", "Đảng bộ tỉnh", "", "", 1250),
            ("VD-CS01", "Đảng bộ xã Mẫu", "Đảng bộ cơ sở", "VD-HUYEN", "Xã, phường, thị trấn", 120),
            ("VD-HUYEN", "Đảng bộ huyện Mẫu", "Đảng bộ trực thuộc", "VD-TINH", "", 860),
            ("VD-CB01", "Chi bộ thôn Mẫu", "Chi bộ", "VD-CS01", "", 25),
        ],
        TARGETS.key: [("VD-HUYEN", 2025, 120), ("VD-HUYEN", "2020-2025", 600), ("VD-CB01", 2025, 2)],
        # No example: a forgotten example row would create an account, or apply a decision.
        ACCOUNTS.key: [],
        REORGANISATION.key: [],
        PEOPLE.key: [
            {
                # Just listed, with the member who helps them.
                "cell": "VD-CB01",
                "full_name": "Nguyễn Văn An",
                "date_of_birth": d(1998, 3, 15),
                "gender": "Nam",
                "ethnicity": "Kinh",
                "religion": "Không",
                "occupation": "Nông dân",
                "general_education": "12/12",
                "youth_union_member": "Có",
                "citizen_id": "001098001234",
                "listed_on": d(2024, 1, 10),
                "mentor_name": "Trần Văn Hùng",
            },
            {
                # A whole file, to official recognition: introduced by the Youth Union and one member.
                "cell": "VD-CB01",
                "full_name": "Lò Thị Bình",
                "date_of_birth": d(1996, 7, 2),
                "gender": "Nữ",
                "ethnicity": "Khơ-mú",
                "occupation": "Viên chức",
                "general_education": "12/12",
                "professional_education": "Đại học",
                "political_theory": "Sơ cấp",
                "youth_union_member": "Có",
                "citizen_id": "012096004321",
                "listed_on": d(2022, 3, 1),
                "mentor_name": "Lò Văn Sơn",
                "course_certificate_no": "15-GCN/TTCT",
                "course_date": d(2022, 5, 20),
                "application_date": d(2022, 9, 5),
                "introducing_organisation": "Ban Chấp hành Đoàn cơ sở",
                "introducer_1": "Lò Văn Sơn",
                "resolution_date": d(2023, 2, 10),
                "decision_date": d(2023, 3, 15),
                "decision_no": "125-QĐ/HU",
                "decision_issuer": "Ban Thường vụ Huyện ủy Mẫu",
                "ceremony_date": d(2023, 4, 1),
                "new_member_course_date": d(2023, 6, 15),
                "recognition_no": "30-QĐ/HU",
                "recognition_date": d(2024, 4, 5),
            },
            {
                # Someone who was a member before (kết nạp lại), after the awareness course.
                "cell": "VD-CB01",
                "full_name": "Phạm Văn Cường",
                "date_of_birth": d(1980, 11, 20),
                "gender": "Nam",
                "occupation": "Công nhân",
                "general_education": "9/12",
                "professional_education": "Trung cấp",
                "youth_union_member": "Không",
                "citizen_id": "034080005678",
                "listed_on": d(2024, 2, 1),
                "mentor_name": "Trần Văn Hùng",
                "course_certificate_no": "88-GCN/TTCT",
                "course_date": d(2024, 4, 10),
                "former_admission_date": d(2005, 5, 19),
                "former_official_date": d(2006, 5, 19),
                "former_exit_date": d(2015, 9, 2),
                "former_exit": "Bị xóa tên",
                "former_readmitted": "Không",
            },
        ],
    }


def _instructions(max_mb):
    return [
        _("Hướng dẫn nhập dữ liệu phát triển đảng viên"),
        "",
        _(
            "Tệp có thể có một hoặc nhiều trang “Đơn vị”, “Chỉ tiêu”, “Quần chúng”, “Tài khoản”, “Sắp xếp tổ chức”, "
            "theo thứ tự bất kỳ. "
            "Giữ tên trang; dòng tiêu đề có thể nằm dưới một dòng tên bảng. Tiêu đề cột được nhận không phân biệt "
            "hoa thường, có dấu hay không dấu; các cột xếp theo thứ tự nào cũng được; cột không có trong mẫu "
            "(STT, Ghi chú…) được bỏ qua và có ghi chú. Xóa các dòng ví dụ (mã bắt đầu bằng VD-) trước khi nhập."
        ),
        _(
            "Tất cả hoặc không: nếu có bất kỳ dòng nào lỗi thì không dòng nào được ghi; hệ thống liệt kê mọi lỗi "
            "(trang, dòng, cột, giá trị) để sửa rồi nhập lại. Trước khi ghi luôn có bước xem trước: số lượng sẽ tạo, "
            "cập nhật, không đổi; 200 dòng đầu của mỗi trang với giá trị cũ → mới; và mọi ô đã được đọc theo cách "
            "người nhập viết (ngày dạng chữ, chữ không dấu…), có đếm số lượng."
        ),
        _(
            "Nhập lại an toàn: cùng mã đơn vị, cùng đơn vị và kỳ chỉ tiêu, cùng người (số CCCD, hoặc chi bộ + họ tên "
            "+ ngày sinh) thì được cập nhật, không tạo bản trùng."
        ),
        "",
        _(
            "Trang “Đơn vị”: Mã đơn vị, Tên đơn vị, Loại tổ chức là bắt buộc. Mã đơn vị cấp trên bỏ trống chỉ với "
            "Đảng bộ tỉnh; đơn vị cấp trên có thể nằm sau đơn vị cấp dưới trong trang, hoặc đã có trong hệ thống. "
            "Loại hình cơ sở bắt buộc với đảng bộ cơ sở và chi bộ cơ sở (đơn vị cấp dưới nhận theo)."
        ),
        _(
            "Số đảng viên ghi được ở mọi cấp (đảng bộ tỉnh, đảng bộ trực thuộc, tổ chức cơ sở đảng, chi bộ), là số "
            "của năm hiện tại do đơn vị đó báo cáo. Đơn vị không ghi thì lấy tổng của các đơn vị trực thuộc."
        ),
        _("Trang “Chỉ tiêu”: Kỳ là một năm (2025) hoặc một nhiệm kỳ (2020-2025); Chỉ tiêu kết nạp là số nguyên."),
        _(
            "Trang “Quần chúng”: chỉ bốn cột đầu (Mã chi bộ, Họ và tên, Ngày sinh, Giới tính) là bắt buộc. "
            "Dân tộc để trống là Kinh; Nghề nghiệp để trống là Khác; Tôn giáo để trống hoặc “Không” là không theo tôn giáo. "
            "Khi cập nhật, ô trống xóa giá trị cũ; cột không có trong tệp thì giữ nguyên."
        ),
        _(
            "Một dòng là cả hồ sơ, theo các bước: ngày vào danh sách quần chúng ưu tú và đảng viên giúp đỡ; số và ngày "
            "cấp giấy chứng nhận bồi dưỡng nhận thức về Đảng; ngày làm đơn và người giới thiệu (hai đảng viên chính "
            "thức, hoặc Ban Chấp hành Đoàn/Công đoàn cơ sở ở cột “Tổ chức đoàn thể giới thiệu” và một đảng viên); "
            "ngày nghị quyết chi bộ; số, ngày quyết định kết nạp và cấp ủy ra quyết định; ngày lễ kết nạp; ngày học "
            "lớp đảng viên mới; số và ngày quyết định công nhận chính thức."
        ),
        _(
            "Người chưa có quyết định kết nạp: đã ghi ngày cấp giấy chứng nhận bồi dưỡng thì phải ghi cả số giấy (như "
            "khi ghi trên trang). Hồ sơ đã kết nạp từ trước mà thiếu bước (hoặc thiếu số giấy chứng nhận) vẫn được "
            "nhận và được đánh dấu chưa đầy đủ để bổ sung. Mọi quy định của Điều lệ (tuổi, thứ tự và thời hạn các "
            "bước, trình độ, kết nạp lại) được kiểm tra như trên trang."
        ),
        _(
            "Trình độ ghi ba cột như lý lịch 2-KNĐ: Giáo dục phổ thông ghi lớp/hệ (12/12, 9/12; hệ 10 năm: 10/10, 7/10), "
            "hoặc bằng chữ (THPT, THCS); nên định dạng cột là Văn bản. Nếu Excel đã đổi “12/12” thành ngày "
            "(12 tháng 12), hệ thống đọc lại thành 12/12 và ghi chú trong bước xem trước. Chuyên môn nghiệp vụ và Lý "
            "luận chính trị chọn trong danh sách. Chưa tốt nghiệp trung học cơ sở thì ghi căn cứ được vận dụng ở cột "
            "“Căn cứ kết nạp khi chưa tốt nghiệp THCS”."
        ),
        _(
            "Kết nạp lại: người từng là đảng viên ghi ngày vào Đảng lần trước, ngày chính thức lần trước (nếu có), "
            "ngày ra khỏi Đảng, hình thức ra khỏi Đảng (chọn trong danh sách) và “Đã được kết nạp lại một lần” "
            "(Có/Không). Người chưa từng là đảng viên để trống các cột này."
        ),
        _(
            "Cách viết được chấp nhận: ngày là ngày của Excel hoặc chữ ngày/tháng/năm (15/3/2022, 15/03/2022, "
            "15-03-2022). Có/Không ghi “Có”, “Không”, “x”, “1” hoặc để trống. Họ tên có dấu cách thừa được sửa; mã "
            "đơn vị có dấu cách ở đầu, cuối được bỏ. Giá trị trong danh sách được so khớp không phân biệt hoa "
            "thường, dấu, dấu cách, gạch nối (“nu” = “Nữ”, “Khơ Mú” = “Khơ-mú”). Số CCCD gồm 12 chữ số; nên định dạng "
            "cột là Văn bản (nếu nhập dạng số, số 0 đầu được tự thêm lại). Mỗi cách viết khác mẫu được đếm và "
            "nêu ví dụ ở bước xem trước, không sửa âm thầm."
        ),
        _(
            "Trang “Tài khoản”: mỗi dòng tạo một tài khoản cho một đơn vị trong phạm vi của bạn. Mã đơn vị là bắt "
            "buộc; Vai trò để trống là Bí thư chi bộ (phải là một chi bộ); Tên đăng nhập để trống thì đặt là "
            "“bithu_” và mã chi bộ. Tài khoản chưa có mật khẩu: sau khi nhập, trang kết quả có đường dẫn để cấp "
            "mật khẩu tạm và tải danh sách một lần; người dùng phải đổi mật khẩu khi đăng nhập lần đầu."
        ),
        _(
            "Trang “Sắp xếp tổ chức”: mỗi dòng một quyết định thành lập, sáp nhập, hợp nhất, chuyển, đổi tên hoặc "
            "giải thể, ghi theo cùng quy định như trang Sắp xếp tổ chức của hệ thống; cách ghi từng hình thức có ở "
            "dòng đầu của trang. Các quyết định được ghi theo thứ tự ngày hiệu lực, sau trang “Đơn vị” và trước các "
            "trang khác; bước xem trước liệt kê từng quyết định: đơn vị trước → sau, chỉ tiêu, số đảng viên và tài "
            "khoản chuyển theo. Quyết định đã ghi rồi (cùng hình thức, ngày, số quyết định, đơn vị) được bỏ qua."
        ),
        _("Các cột có danh sách chọn (mũi tên) lấy giá trị từ trang “Danh mục”."),
        _("Dung lượng tối đa %(mb)d MB, mỗi trang tối đa %(rows)s dòng; tệp lớn hơn hãy chia nhỏ.")
        % {"mb": max_mb, "rows": vn_int(max_rows())},
    ]


def _sheet_notes():
    """A sheet's own instructions, in a row above its header."""
    return {
        REORGANISATION.key: "\n".join(
            (
                _(
                    "Mỗi dòng một quyết định, ghi theo thứ tự Ngày hiệu lực (ngày/tháng/năm: 01/07/2025). "
                    "Mã đơn vị: các đơn vị của quyết định, cách nhau dấu phẩy. Dòng này có thể để nguyên."
                ),
                _("Thành lập: Mã đơn vị mới, Tên đơn vị mới, Mã đơn vị cấp trên, Loại tổ chức."),
                _("Sáp nhập: Mã đơn vị (các đơn vị bị sáp nhập), Mã đơn vị mới (đơn vị tiếp nhận, đã có)."),
                _(
                    "Hợp nhất: Mã đơn vị (hai đơn vị trở lên), Mã đơn vị mới, Tên đơn vị mới, Mã đơn vị cấp trên, "
                    "Loại tổ chức."
                ),
                _("Chuyển: Mã đơn vị (một đơn vị), Mã đơn vị cấp trên (cấp trên mới)."),
                _("Đổi tên: Mã đơn vị (một đơn vị), Tên đơn vị mới."),
                _("Giải thể: Mã đơn vị (một đơn vị, không còn đơn vị trực thuộc)."),
                _("Chia tách: ghi thành các dòng Thành lập, Chuyển, Giải thể (hoặc dùng trang Sắp xếp tổ chức)."),
            )
        )
    }


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
        cell = set_safe_value(guide.cell(row=number, column=1), line)
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
        "general_education": GENERAL_EDUCATION,
        "professional_education": [str(label) for label in ProfessionalEducation.labels],
        "political_theory": [str(label) for label in PoliticalTheory.labels],
        "youth_union_member": [values.YES, values.NO],
        "introducing_organisation": [str(label) for label in IntroducingOrganisation.labels],
        "former_exit": [str(label) for label in FormerExit.labels],
        "former_readmitted": [values.YES, values.NO],
        "role": [str(label) for label in Role.labels],
        "reorg_kind": [str(kind.label) for kind in REORG_KINDS],
    }
    list_sheet = book.create_sheet(LIST_SHEET)
    ranges = {}
    for index, (key, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        set_safe_value(list_sheet.cell(row=1, column=index), key)
        for row, item in enumerate(items, start=2):
            set_safe_value(list_sheet.cell(row=row, column=index), item)
        ranges[key] = f"'{LIST_SHEET}'!${letter}$2:${letter}${len(items) + 1}"

    header_fill = PatternFill("solid", fgColor="FFE3E3")
    examples = _examples()
    notes = _sheet_notes()
    for spec in (UNITS, TARGETS, PEOPLE, ACCOUNTS, REORGANISATION):
        sheet = book.create_sheet(spec.title)
        header_row = 1
        if spec.key in notes:
            # A note above the header row: the import looks for the header in the first rows.
            cell = set_safe_value(sheet.cell(row=1, column=1), notes[spec.key])
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(spec.columns))
            sheet.row_dimensions[1].height = 15 * (notes[spec.key].count("\n") + 2)
            header_row = 2
        first = header_row + 1
        lists_of = SHEET_LISTS.get(spec.key, {})
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            cell = set_safe_value(sheet.cell(row=header_row, column=index), column.header)
            cell.font = Font(bold=True)
            if column.required:
                cell.fill = header_fill
            sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
            list_key = lists_of.get(column.key, column.key)
            if list_key in ranges:
                validation = DataValidation(
                    type="list",
                    formula1=ranges[list_key],
                    allow_blank=True,
                    showErrorMessage=list_key not in OPEN_LISTS,
                )
                validation.error = _("Chọn một giá trị trong danh sách.")
                sheet.add_data_validation(validation)
                validation.add(f"{letter}{first}:{letter}{VALIDATED_ROWS}")
            if column.key in TEXT_COLUMNS:
                sheet.column_dimensions[letter].number_format = "@"
            elif column.key in DATE_COLUMNS:
                sheet.column_dimensions[letter].number_format = "DD/MM/YYYY"
        for row, example in enumerate(examples[spec.key], start=first):
            if isinstance(example, dict):
                example = [example.get(column.key) for column in spec.columns]
            for index, value in enumerate(example, start=1):
                cell = set_safe_value(sheet.cell(row=row, column=index), value)
                if isinstance(value, datetime.date):
                    cell.number_format = "DD/MM/YYYY"
                elif spec.columns[index - 1].key in TEXT_COLUMNS:
                    cell.number_format = "@"
        sheet.freeze_panes = f"A{first}"
    list_sheet.sheet_state = "hidden"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
