"""Forms of the unit pages, and the admin's tree form."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .models import Unit


class ChildTargetsForm(forms.Form):
    """The year's admissions target of each unit directly below one unit: one number per child."""

    def __init__(self, *args, children, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[self.field_name(child)] = forms.IntegerField(
                label=child.name, required=False, min_value=0, max_value=1_000_000,
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

    def rows(self):
        return [(child, self[self.field_name(child)]) for child in self.children]

    def changed_targets(self):
        """(child, admissions) for each child whose box holds a number."""
        return [
            (child, self.cleaned_data[self.field_name(child)]) for child in self.children
            if self.cleaned_data.get(self.field_name(child)) is not None
        ]


class UnitAdminMoveForm(MoveNodeForm):
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


UnitAdminForm = movenodeform_factory(
    Unit, form=UnitAdminMoveForm, fields=["code", "name", "kind", "grassroots_type"]
)
