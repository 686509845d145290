from django.core.exceptions import ValidationError
from treebeard.forms import MoveNodeForm, movenodeform_factory

from .models import Unit


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
