"""Forms of the unit pages, and the admin's tree form."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .audit import saving_user, stale_messages
from .models import ReorgKind, Term, Unit, UnitKind
from .periods import EARLIEST_YEAR, LATEST_YEAR, QUARTER_CHOICES, Period, requested_number
from .reorganisation import EventRow, split_codes

MISSING_VERSION = _(
    "Chưa lưu: biểu mẫu gửi lên thiếu số phiên bản của bản ghi, nên không kiểm tra được bản ghi có bị "
    "người khác sửa trong lúc này hay không. Hãy tải lại trang rồi nhập lại."
)


MAX_VERSION = 2_147_483_647  # a version is a 32-bit counter; a longer number is no version the form showed


def version_field():
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_VERSION)


class VersionedFormMixin:
    """For a ModelForm of a versioned record (the admin's): the version shown travels in a hidden
    field (declare `version = version_field()` on the form, so the admin renders it), and a save based
    on an older version is refused with what changed meanwhile. A change of an existing record that
    does not post the version is refused too: without it nothing says the edit is based on the latest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self):
        super()._post_clean()
        version = self.cleaned_data.get("version")
        if self.instance.pk is None:
            self.instance.version = 1
            return
        current = type(self.instance)._default_manager.filter(pk=self.instance.pk).first()
        if version is None:
            # The form showed a version, so a post without one is not a save from that form (or the
            # field was tampered with): with nothing to compare, it could overwrite a newer edit.
            self.add_error(None, MISSING_VERSION)
            return
        self.instance.version = version  # the model's save() checks it atomically too
        if current is None or current.version != version:
            # The admin's form has no request of its own: the one refused is the request's user.
            self.add_error(None, stale_messages(self.instance, current, viewer=saving_user(self.instance)))


class ChildTargetsForm(forms.Form):
    """The year's admissions target of each unit directly below one unit: one number per child."""

    def __init__(self, *args, children, targets, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        versions = versions or {}
        for child in children:
            # The version of the child's target the form was shown (0: none yet), for optimistic locking.
            self.fields[self.version_name(child)] = forms.IntegerField(
                widget=forms.HiddenInput,
                required=False,
                min_value=0,
                max_value=MAX_VERSION,
                initial=versions.get(child.pk, 0),
            )
            self.fields[self.field_name(child)] = forms.IntegerField(
                label=child.name,
                required=False,
                min_value=0,
                max_value=1_000_000,
                initial=targets.get(child.pk),
                # data-child-target: what the running total adds up (never the hidden version fields).
                widget=forms.NumberInput(
                    attrs={"class": "form-control text-end", "inputmode": "numeric", "data-child-target": ""}
                ),
                error_messages={
                    "invalid": _("Nhập một số nguyên."),
                    "min_value": _("Chỉ tiêu không thể âm."),
                    "max_value": _("Chỉ tiêu quá lớn."),
                },
            )

    @staticmethod
    def field_name(unit):
        return f"unit_{unit.pk}"

    @staticmethod
    def version_name(unit):
        return f"unit_{unit.pk}_version"

    def rows(self):
        return [(child, self[self.field_name(child)]) for child in self.children]

    def clean(self):
        cleaned = super().clean()
        # Each box travels with the version of the target it showed (0: none yet); a number without
        # it would be saved over whatever is there now, unchecked.
        missing = [
            child
            for child in self.children
            if cleaned.get(self.field_name(child)) is not None
            and cleaned.get(self.version_name(child)) is None  # not sent, or no version at all
        ]
        if missing:
            raise forms.ValidationError(MISSING_VERSION, code="missing_version")
        return cleaned

    def changed_targets(self):
        """(child, admissions, version shown) for each child whose box holds a number other than the one
        shown: a target saved unchanged would write an empty entry in its history."""
        return [
            (child, self.cleaned_data[self.field_name(child)], self.cleaned_data.get(self.version_name(child)))
            for child in self.children
            if self.cleaned_data.get(self.field_name(child)) is not None
            and self.cleaned_data[self.field_name(child)] != self.fields[self.field_name(child)].initial
        ]

    def refresh_version(self, child, version):
        """After a refused stale save: carry the current version, so saving again is deliberate."""
        self.data = self.data.copy()
        self.data[self.add_prefix(self.version_name(child))] = version


class QuarterCloseForm(forms.Form):
    """Khóa sổ: the quarter whose return was sent."""

    year = forms.IntegerField(
        label=_("Năm"),
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        error_messages={
            "invalid": _("Nhập năm là một số."),
            "min_value": _("Năm không hợp lệ."),
            "max_value": _("Năm không hợp lệ."),
            "required": _("Chọn năm."),
        },
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )
    quarter = forms.TypedChoiceField(
        label=_("Quý"),
        coerce=int,
        choices=QUARTER_CHOICES,
        error_messages={"invalid_choice": _("Chọn quý I, II, III hoặc IV."), "required": _("Chọn quý.")},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


# Treebeard's tree fields carry English labels (it has no Vietnamese catalogue): ours, translatable.
TREE_POSITIONS = {
    "first-child": _("Trực thuộc (đứng đầu) đơn vị"),
    "left": _("Cùng cấp, đứng trước đơn vị"),
    "right": _("Cùng cấp, đứng sau đơn vị"),
    "sorted-child": _("Trực thuộc đơn vị"),
    "sorted-sibling": _("Cùng cấp với đơn vị"),
}


class UnitAdminMoveForm(VersionedFormMixin, MoveNodeForm):
    version = version_field()
    """Treebeard's add/move form, held to the same tree-shape rules as units.services."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        position, reference = self.fields["treebeard_position"], self.fields["treebeard_ref_node"]
        position.label = _("Vị trí trong cây")
        position.choices = [(value, TREE_POSITIONS.get(value, label)) for value, label in position.choices]
        reference.label = _("So với đơn vị")
        reference.empty_label = _("— Gốc của cây (không có đơn vị cấp trên) —")

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("treebeard_position")
        reference = cleaned.get("treebeard_ref_node")
        if position is None or not cleaned.get("kind"):
            return cleaned
        if reference is None:
            parent = None
        elif position in ("first-child", "last-child", "sorted-child"):
            parent = reference
        else:
            parent = Unit.objects.parent_of(reference)
        if self.instance.pk and self.instance.path and (parent.path if parent else "") != self.instance.parent_path:
            # A move changes the dated tree: it goes through units.services.unit_move (the list's
            # drag-and-drop, or the reorganisation pages with an effective date), never this form.
            self.add_error(
                "treebeard_ref_node",
                _("Không chuyển đơn vị ở đây: hãy kéo thả trong danh sách đơn vị hoặc dùng trang Sắp xếp tổ chức."),
            )
            return cleaned
        candidate = Unit(pk=self.instance.pk, path=self.instance.path or "", kind=cleaned["kind"])
        try:
            candidate.validate_parent(parent)
        except ValidationError as refused:
            for field, messages in refused.message_dict.items():
                self.add_error("treebeard_ref_node" if field == "parent" else field, messages)
        return cleaned


UnitAdminForm = movenodeform_factory(Unit, form=UnitAdminMoveForm, fields=["code", "name", "kind", "grassroots_type"])


# --- The period of a report (GET parameters or the command line) ---------------------------------

TERM_PATTERN = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{4})\s*$")


class PeriodForm(forms.Form):
    """Reads a period from GET parameters (or the command line): one of
    year [+ quarter | + month], term ("2020-2025"), or from + to. Errors are Vietnamese messages."""

    year = forms.IntegerField(label=_("Năm"), required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
    quarter = forms.IntegerField(label=_("Quý"), required=False, min_value=1, max_value=4)
    month = forms.IntegerField(label=_("Đến hết tháng"), required=False, min_value=1, max_value=12)
    term = forms.CharField(label=_("Nhiệm kỳ"), required=False, max_length=20)
    date_from = forms.DateField(label=_("Từ ngày"), required=False)
    date_to = forms.DateField(label=_("Đến ngày"), required=False)

    error_messages = {
        "mixed": _("Chọn một loại kỳ báo cáo: năm (có thể kèm quý hoặc tháng), nhiệm kỳ, hoặc khoảng ngày."),
        "quarter_and_month": _("Chọn quý hoặc số tháng đầu năm, không chọn cả hai."),
        "needs_year": _("Quý hoặc tháng cần đi kèm năm."),
        "range_incomplete": _("Khoảng ngày cần cả ngày bắt đầu và ngày kết thúc."),
        "range_order": _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        "term_format": _("Nhiệm kỳ ghi dạng 2020-2025."),
        "term_unknown": _("Không có nhiệm kỳ %(term)s."),
        "out_of_range": _("Ngày phải trong khoảng năm %(first)d đến năm %(last)d."),
    }

    # GET names (short, in URLs) -> field names
    PARAM_NAMES = {"from": "date_from", "to": "date_to"}

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = {
                self.PARAM_NAMES.get(key, key): value
                for key, value in data.items()
                if key in self.PARAM_NAMES or key in self.base_fields
            }
        super().__init__(data, *args, **kwargs)
        for field in ("date_from", "date_to"):
            self.fields[field].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        self.fields["date_from"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["date_to"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean_term(self):
        text = self.cleaned_data.get("term") or ""
        if not text.strip():
            return None
        match = TERM_PATTERN.match(text)
        if not match:
            raise forms.ValidationError(self.error_messages["term_format"], code="term_format")
        start_year, end_year = int(match.group(1)), int(match.group(2))
        term = Term.objects.filter(start_year=start_year, end_year=end_year).first()
        if term is None:
            raise forms.ValidationError(
                self.error_messages["term_unknown"],
                code="term_unknown",
                params={"term": f"{start_year}–{end_year}"},
            )
        return term

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        year, quarter, month = data.get("year"), data.get("quarter"), data.get("month")
        term, start, end = data.get("term"), data.get("date_from"), data.get("date_to")
        chosen = [
            kind
            for kind, present in (
                ("year", year is not None or quarter is not None or month is not None),
                ("term", term is not None),
                ("range", start is not None or end is not None),
            )
            if present
        ]
        if len(chosen) > 1:
            raise forms.ValidationError(self.error_messages["mixed"], code="mixed")
        if not chosen:
            data["period"] = None
            return data
        if chosen == ["term"]:
            data["period"] = Period.for_term(term)
        elif chosen == ["range"]:
            if start is None or end is None:
                raise forms.ValidationError(self.error_messages["range_incomplete"], code="range_incomplete")
            if end < start:
                raise forms.ValidationError(self.error_messages["range_order"], code="range_order")
            data["period"] = Period.for_range(start, end)
        else:
            if year is None:
                raise forms.ValidationError(self.error_messages["needs_year"], code="needs_year")
            if quarter is not None and month is not None:
                raise forms.ValidationError(self.error_messages["quarter_and_month"], code="quarter_and_month")
            if quarter is not None:
                data["period"] = Period.for_quarter(year, quarter)
            elif month is not None:
                data["period"] = Period.for_months(year, month)
            else:
                data["period"] = Period.for_year(year)
        return data

    def error_list(self):
        """Every error as one line, field label first, for messages and CommandError."""
        lines = []
        for name, errors in self.errors.items():
            prefix = f"{self.fields[name].label}: " if name in self.fields else ""
            lines.extend(f"{prefix}{error}" for error in errors)
        return lines


def default_period(today=None):
    return Period.for_year((today or timezone.localdate()).year)


def period_from_params(params, today=None):
    """(period, errors): the period the parameters ask for, or this year with the reasons it was refused."""
    form = PeriodForm(params)
    if form.is_valid():
        return form.cleaned_data["period"] or default_period(today), []
    return default_period(today), form.error_list()


# --- Reorganisation (units.reorganisation) -----------------------------------------------------------


class ReorganisationForm(forms.Form):
    """One reorganisation event, with the columns of the workbook's sheet "Sắp xếp tổ chức"; a split
    is one action here (its parts, one a line)."""

    kind = forms.ChoiceField(label=_("Hình thức"), choices=ReorgKind.choices)
    effective_date = forms.DateField(label=_("Ngày hiệu lực"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    decision_no = forms.CharField(label=_("Số quyết định"), max_length=100)
    codes = forms.CharField(
        label=_("Mã đơn vị"),
        max_length=2000,
        required=False,
        help_text=_(
            "Đơn vị được sáp nhập, hợp nhất, chia tách, chuyển, đổi tên hoặc giải thể; nhiều mã cách nhau dấu phẩy."
        ),
    )
    new_code = forms.CharField(
        label=_("Mã đơn vị mới"),
        max_length=30,
        required=False,
        help_text=_("Sáp nhập: đơn vị tiếp nhận; hợp nhất, thành lập: mã đơn vị mới."),
    )
    new_name = forms.CharField(label=_("Tên đơn vị mới"), max_length=255, required=False)
    parent_code = forms.CharField(
        label=_("Mã đơn vị cấp trên"),
        max_length=30,
        required=False,
        help_text=_("Cấp trên của đơn vị mới, đơn vị hợp nhất hoặc đơn vị được chuyển."),
    )
    unit_kind = forms.ChoiceField(label=_("Loại tổ chức"), choices=[("", "—"), *UnitKind.choices], required=False)
    parts = forms.CharField(
        label=_("Các phần (chia tách)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Mỗi dòng một phần: mã đơn vị nhận; tên (nếu là đơn vị mới); mã các đơn vị trực thuộc chuyển sang, "
            "cách nhau dấu phẩy; chỉ tiêu kết nạp năm nay của phần đó (nếu chia chỉ tiêu). "
            "Ví dụ: X01; Đảng bộ xã Mới; C1, C2; 12"
        ),
    )
    end_unit = forms.BooleanField(label=_("Đơn vị bị chia tách kết thúc hoạt động"), required=False, initial=True)
    accounts = forms.ChoiceField(
        label=_("Tài khoản của đơn vị kết thúc"),
        choices=[("move", _("Chuyển sang đơn vị kế thừa")), ("disable", _("Khóa tài khoản"))],
        initial="move",
    )

    error_messages = {
        "part": _("Dòng %(line)d của các phần: cần “mã; tên; các mã trực thuộc” (thêm “; chỉ tiêu năm” nếu có)."),
        "part_target": _("Dòng %(line)d của các phần: chỉ tiêu năm phải là số nguyên không âm."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    def clean_parts(self):
        parts = []
        for number, line in enumerate((self.cleaned_data.get("parts") or "").splitlines(), start=1):
            if not line.strip():
                continue
            pieces = [piece.strip() for piece in line.split(";")]
            if len(pieces) not in (3, 4) or not pieces[0]:
                raise ValidationError(self.error_messages["part"] % {"line": number})
            target = None
            if len(pieces) == 4 and pieces[3]:
                target = requested_number(pieces[3], max_digits=6)
                if target is None:
                    raise ValidationError(self.error_messages["part_target"] % {"line": number})
            parts.append((pieces[0], pieces[1], split_codes(pieces[2]), target))
        return parts

    def event_row(self):
        data = self.cleaned_data
        return EventRow(
            kind=data["kind"],
            effective_date=data["effective_date"],
            decision_no=data["decision_no"].strip(),
            codes=split_codes(data.get("codes")),
            new_code=(data.get("new_code") or "").strip(),
            new_name=(data.get("new_name") or "").strip(),
            parent_code=(data.get("parent_code") or "").strip(),
            unit_kind=data.get("unit_kind") or "",
            parts=data.get("parts") or [],
            end_unit=bool(data.get("end_unit")),
            accounts=data.get("accounts") or "move",
        )
