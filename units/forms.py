"""Forms of the unit pages, and the admin's tree form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .audit import stale_messages
from .models import Unit


def version_field():
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class VersionedFormMixin:
    """For a ModelForm of a versioned record (the admin's): the version shown travels in a hidden
    field (declare `version = version_field()` on the form, so the admin renders it), and a save based
    on an older version is refused with what changed meanwhile."""

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
        if version is None:  # not sent: nothing to compare with
            self.instance.version = current.version if current is not None else 1
            return
        self.instance.version = version  # the model's save() checks it atomically too
        if current is None or current.version != version:
            self.add_error(None, stale_messages(self.instance, current))


class ChildTargetsForm(forms.Form):
    """The year's admissions target of each unit directly below one unit: one number per child."""

    def __init__(self, *args, children, targets, versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        versions = versions or {}
        for child in children:
            # The version of the child's target the form was shown (0: none yet), for optimistic locking.
            self.fields[self.version_name(child)] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, min_value=0, initial=versions.get(child.pk, 0)
            )
            self.fields[self.field_name(child)] = forms.IntegerField(
                label=child.name,
                required=False,
                min_value=0,
                max_value=1_000_000,
                initial=targets.get(child.pk),
                widget=forms.NumberInput(attrs={"class": "form-control text-end", "inputmode": "numeric"}),
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

    def changed_targets(self):
        """(child, admissions, version shown) for each child whose box holds a number."""
        return [
            (child, self.cleaned_data[self.field_name(child)], self.cleaned_data.get(self.version_name(child)))
            for child in self.children
            if self.cleaned_data.get(self.field_name(child)) is not None
        ]

    def refresh_version(self, child, version):
        """After a refused stale save: carry the current version, so saving again is deliberate."""
        self.data = self.data.copy()
        self.data[self.add_prefix(self.version_name(child))] = version


class QuarterCloseForm(forms.Form):
    """Khóa sổ: the quarter whose return was sent."""

    year = forms.IntegerField(
        label=_("Năm"),
        min_value=1930,
        max_value=2100,
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
        choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")],
        error_messages={"invalid_choice": _("Chọn quý I, II, III hoặc IV."), "required": _("Chọn quý.")},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class UnitAdminMoveForm(VersionedFormMixin, MoveNodeForm):
    version = version_field()
    """Treebeard's add/move form, held to the same tree-shape rules as units.services."""

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
        candidate = Unit(pk=self.instance.pk, path=self.instance.path or "", kind=cleaned["kind"])
        try:
            candidate.validate_parent(parent)
        except ValidationError as refused:
            for field, messages in refused.message_dict.items():
                self.add_error("treebeard_ref_node" if field == "parent" else field, messages)
        return cleaned


UnitAdminForm = movenodeform_factory(Unit, form=UnitAdminMoveForm, fields=["code", "name", "kind", "grassroots_type"])
