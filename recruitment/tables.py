"""The candidate list as a django-tables2 table."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from units.formatting import mask_citizen_id

from .models import Candidate, Course
from .pipeline import Stage


class DayColumn(tables.Column):
    """A date as dd/mm/yyyy. (django-tables2's DateColumn compiles a template for every cell: 50 on
    each page of the list, a third of its rendering time.)"""

    def render(self, value):
        return dateformat.format(value, "d/m/Y")


class CandidateTable(tables.Table):
    full_name = tables.Column(
        verbose_name=_("Họ và tên"),
        order_by=("name_sort_key", "pk"),
        linkify=lambda record: reverse("recruitment:candidate_detail", args=[record.pk]),
    )
    date_of_birth = DayColumn(verbose_name=_("Ngày sinh"))
    gender = tables.Column(verbose_name=_("Giới tính"))
    ethnicity = tables.Column(verbose_name=_("Dân tộc"), order_by=("ethnicity__name",))
    cell = tables.Column(verbose_name=_("Chi bộ"), order_by=("cell__name",), attrs={"td": {"class": "wrap"}})
    stage = tables.Column(verbose_name=_("Bước"), accessor="current_stage")
    decision_date = DayColumn(verbose_name=_("Ngày QĐ kết nạp"))
    citizen_id = tables.Column(verbose_name=_("Số CCCD"), orderable=False)

    class Meta:
        model = Candidate
        fields = ("full_name", "date_of_birth", "gender", "ethnicity", "cell", "stage", "decision_date", "citizen_id")
        order_by = ("full_name",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Không có ai khớp bộ lọc. Bỏ bớt điều kiện lọc, hoặc thêm quần chúng ưu tú mới.")

    def render_stage(self, value):
        return Stage(value).label

    def render_citizen_id(self, value):
        return mask_citizen_id(value)


class CourseTable(tables.Table):
    number = tables.Column(
        verbose_name=_("Số lớp"),
        linkify=lambda record: reverse("recruitment:course_detail", args=[record.pk]),
    )
    organiser = tables.Column(
        verbose_name=_("Đơn vị mở lớp"), order_by=("organiser__path",), attrs={"td": {"class": "wrap"}}
    )
    start_date = DayColumn(verbose_name=_("Khai giảng"))
    end_date = DayColumn(verbose_name=_("Bế giảng"))
    place = tables.Column(verbose_name=_("Địa điểm"), attrs={"td": {"class": "wrap"}})
    own_count = tables.Column(verbose_name=_("Học viên (trong phạm vi của bạn)"), attrs={"td": {"class": "text-end"}})
    certificate_count = tables.Column(verbose_name=_("Đã cấp giấy chứng nhận"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Course
        fields = ("number", "organiser", "start_date", "end_date", "place", "own_count", "certificate_count")
        order_by = ("-start_date",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Chưa có lớp bồi dưỡng nào. Cán bộ Ban Tổ chức mở lớp bằng nút “Mở lớp mới”.")
