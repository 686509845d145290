"""Forms of the account pages (units.account_views). The rules are units.accounts'; these forms only
offer what the user may choose (units in their subtree, roles within their ceiling)."""

import django_filters
from django import forms
from django.contrib.auth import forms as auth_forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .accounts import MAX_BULK_ROWS, CredentialKind
from .models import Unit, User
from .permissions import MANAGE_ACCOUNTS, grantable_roles
from .roles import Role
from .text import xml_illegal

ILLEGAL_TEXT = _("Có ký tự không dùng được (ký tự điều khiển); hãy xóa rồi nhập lại.")

UNIT_CODE_HELP = _("Mã đơn vị như trong cây đơn vị, vd. “A1-1”.")


class UnitCodeField(forms.CharField):
    """A unit of the user's subtree, typed as its code (a province has thousands: no select). A code
    outside the subtree gets the answer of a code that does not exist."""

    default_error_messages = {"unknown": _("Không có đơn vị nào mang mã này.")}

    def __init__(self, *, user, **kwargs):
        self.user = user
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", UNIT_CODE_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.code if isinstance(value, Unit) else value

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        unit = Unit.objects.restrict(self.user, MANAGE_ACCOUNTS).filter(code=code.strip()).first()
        if unit is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return unit


def role_choices(user):
    return [(role.value, role.label) for role in grantable_roles(user)]


class BootstrapMixin:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class AccountCreateForm(BootstrapMixin, forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150, required=False)
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        help_text=_("Chữ, số và các ký tự @ . + - _; không dấu cách."),
    )
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    role = forms.ChoiceField(label=_("Vai trò"))
    credentials = forms.ChoiceField(
        label=_("Cách trao mật khẩu"),
        choices=CredentialKind.CHOICES,
        initial=CredentialKind.PASSWORD,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitCodeField(user=user, label=_("Mã đơn vị"))
        self.order_fields(["unit", "role", "full_name", "username", "email", "credentials"])
        self.fields["role"].choices = role_choices(user)
        self.fields["role"].initial = Role.SECRETARY
        self.fields["username"].widget.attrs.update(autocomplete="off", autocapitalize="none", spellcheck="false")
        self._style()

    def clean_full_name(self):
        if xml_illegal(self.cleaned_data["full_name"]):
            raise forms.ValidationError(ILLEGAL_TEXT, code="illegal")
        return self.cleaned_data["full_name"].strip()


class AccountMoveForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"))

    def __init__(self, *args, user, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitCodeField(user=user, label=_("Chuyển đến đơn vị (mã)"))
        self.order_fields(["unit", "role"])
        self.fields["role"].choices = role_choices(user)
        self.fields["role"].initial = account.role
        self._style()


class CredentialsForm(forms.Form):
    credentials = forms.ChoiceField(
        label=_("Cách trao mật khẩu"),
        choices=CredentialKind.CHOICES,
        initial=CredentialKind.PASSWORD,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class AccountBulkForm(forms.Form):
    lines = forms.CharField(
        label=_("Danh sách"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control font-monospace", "spellcheck": "false"}),
        max_length=MAX_BULK_ROWS * 300,
        help_text=_(
            "Mỗi dòng một chi bộ: mã chi bộ; họ và tên bí thư; tên đăng nhập (để trống thì đặt là “bithu_” "
            "và mã chi bộ). Dán thẳng từ Excel cũng được (các cột cách nhau bằng Tab)."
        ),
    )

    def clean_lines(self):
        if xml_illegal(self.cleaned_data["lines"]):
            raise forms.ValidationError(ILLEGAL_TEXT, code="illegal")
        return self.cleaned_data["lines"]


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (the current password, then the new one twice, the validators of settings), which
    also refuses the temporary password itself as the new one."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Mật khẩu hiện tại không đúng."),
        "password_unchanged": _("Mật khẩu mới phải khác mật khẩu hiện tại."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mật khẩu hiện tại")
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password1")
        if password and "new_password2" not in self.errors and self.user.check_password(password):
            self.add_error(
                "new_password2",
                forms.ValidationError(self.error_messages["password_unchanged"], code="password_unchanged"),
            )
        return cleaned


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Mật khẩu mới")
        self.fields["new_password2"].label = _("Nhập lại mật khẩu mới")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


# --- The list's filters ---------------------------------------------------------------------------

STATUS_CHOICES = (
    ("active", _("Đang dùng")),
    ("disabled", _("Đã khóa")),
    ("must_change", _("Chưa đổi mật khẩu tạm")),
    ("never", _("Chưa đăng nhập lần nào")),
)


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Tìm theo tên hoặc tên đăng nhập"), max_length=100)
    unit = django_filters.CharFilter(method="filter_unit", label=_("Mã đơn vị"), max_length=30)
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Vai trò"), empty_label=_("Tất cả"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label=_("Trạng thái"), empty_label=_("Tất cả")
    )

    class Meta:
        model = User
        fields: list = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.form.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
        self.form.fields["q"].widget.attrs.update(type="search")

    def filter_search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            )
        return queryset

    def filter_unit(self, queryset, name, value):
        # A unit means its whole subtree; one outside the user's gives nothing, as an unknown code does.
        unit = Unit.objects.restrict(self.user, MANAGE_ACCOUNTS).filter(code=value.strip()).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)

    def filter_status(self, queryset, name, value):
        return {
            "active": queryset.filter(is_active=True),
            "disabled": queryset.filter(is_active=False),
            "must_change": queryset.filter(must_change_password=True, is_active=True),
            "never": queryset.filter(last_login__isnull=True),
        }[value]
