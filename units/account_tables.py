"""The account list as a django-tables2 table."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import User


class AccountTable(tables.Table):
    username = tables.Column(
        verbose_name=_("Tên đăng nhập"),
        linkify=lambda record: reverse("accounts:detail", args=[record.pk]),
    )
    full_name = tables.Column(
        verbose_name=_("Họ và tên"), accessor="get_full_name", order_by=("last_name", "first_name", "pk")
    )
    unit = tables.Column(verbose_name=_("Đơn vị"), order_by=("unit__path",), attrs={"td": {"class": "wrap"}})
    role = tables.Column(verbose_name=_("Vai trò"))
    status = tables.Column(verbose_name=_("Trạng thái"), accessor="is_active", order_by=("-is_active", "pk"))
    last_login = tables.Column(
        verbose_name=_("Đăng nhập lần cuối"), order_by=("last_login", "pk"), default=_("Chưa đăng nhập")
    )

    class Meta:
        model = User
        fields = ("username", "full_name", "unit", "role", "status", "last_login")
        order_by = ("unit",)
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "account-table"}
        empty_text = _(
            "Không có tài khoản nào khớp bộ lọc. Bỏ bớt điều kiện lọc, hoặc tạo tài khoản mới cho một đơn vị."
        )

    def render_status(self, record):
        if not record.is_active:
            return format_html('<span class="badge text-bg-secondary">{}</span>', _("Đã khóa"))
        if record.must_change_password:
            return format_html('<span class="badge text-bg-warning">{}</span>', _("Chưa đổi mật khẩu tạm"))
        return format_html('<span class="badge text-bg-success">{}</span>', _("Đang dùng"))

    def render_last_login(self, value):
        return dateformat.format(timezone.localtime(value), "d/m/Y H:i")

    def value_last_login(self, value):
        return value
