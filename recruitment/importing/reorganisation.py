"""The sheet "Sắp xếp tổ chức": one reorganisation event a row, applied in date order through the same
services as the browser's page (units.reorganisation.run_row), inside the import's transaction, so a
bad row is reported with its row number and nothing at all is written.

Columns: Ngày hiệu lực, Số quyết định, Hình thức (Thành lập, Sáp nhập, Hợp nhất, Chuyển, Đổi tên,
Giải thể), Mã đơn vị (the units affected, separated by commas), Mã đơn vị mới, Tên đơn vị mới, Mã đơn
vị cấp trên, Loại tổ chức. A split is written as its parts (establish, move, dissolve). A row whose
event is recorded already (same kind, date, decision and units) is skipped: importing the same sheet
twice changes nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from units.models import ReorgKind, Unit, UnitKind
from units.permissions import VIEW
from units.reorganisation import EventRow, already_applied, kind_named, run_row, split_codes

from . import preview, values

KINDS = values.Choices(
    ReorgKind,
    aliases={"Giải thể / kết thúc hoạt động": ReorgKind.DISSOLVE, "Kết thúc hoạt động": ReorgKind.DISSOLVE},
)

COLUMNS = {
    "effective_date": (values.date, True),
    "decision_no": (values.text, True),
    "kind": (KINDS, True),
    "codes": (values.text, False),
    "new_code": (values.code, False),
    "new_name": (values.text, False),
    "parent": (values.code, False),
    "unit_kind": (values.Choices(UnitKind), False),
}


def _deciding_unit(actor):
    """The committee that decides: the importer's unit; for a system import, the root of the tree."""
    if actor is not None and actor.unit_id is not None:
        return actor.unit
    return Unit.objects.filter(depth=1).order_by("path").first()


def _finder(actor):
    def find(code):
        rows = Unit.objects.restrict(actor, VIEW) if actor is not None else Unit.objects.all()
        unit = rows.filter(code=code).first() if code else None
        if unit is None:  # outside the importer's scope reads exactly as unknown
            raise ValidationError(_("Không có đơn vị mã “%(code)s”.") % {"code": code or "—"})
        return unit

    return find


def _all_visible(actor, event):
    """Whether the importer sees every unit the row names: an event outside their scope is never
    reported as recorded already (that would tell them it exists); it is refused as unknown."""
    if actor is None:
        return True
    codes = {*event.codes, *(code for code in (event.new_code, event.parent_code) if code)}
    return Unit.objects.restrict(actor, VIEW).filter(code__in=codes).count() == len(codes)


def _label(data, kind):
    return " · ".join((preview.show(data["effective_date"]), str(ReorgKind(kind).label), data["decision_no"]))


def _codes(event):
    """The units as the row names them: "A, B → C"."""
    after = event.new_code or event.parent_code
    return ", ".join(event.codes or ["—"]) + (f" → {after}" if after else "")


def import_sheet(job, sheet, rows):
    """The import stage of the sheet (recruitment.importing.importer.ImportJob.run); `rows` were read
    before the transaction opened (ImportJob.parse, with COLUMNS). Each event is shown in the
    preview with what its service's plan does: a check is this same run, rolled back."""
    if not job.ok:
        return
    decided_by = _deciding_unit(job.actor)
    find = _finder(job.actor)
    shown = job.preview.of(sheet, preview.EventSheetPreview)
    # In date order (the sheet's order among events of the same day), as the decisions took effect.
    for row in sorted(rows, key=lambda row: row.values["effective_date"]):
        data = row.values
        kind = kind_named(data["kind"])
        event = EventRow(
            kind=kind,
            effective_date=data["effective_date"],
            decision_no=data["decision_no"],
            codes=split_codes(data["codes"]),
            new_code=data["new_code"],
            new_name=data["new_name"],
            parent_code=data["parent"],
            unit_kind=data["unit_kind"],
        )
        label, codes = _label(data, kind), _codes(event)
        if kind == ReorgKind.SPLIT:
            shown.event(row.number, preview.ERROR, label, codes)
            job.error(
                sheet,
                row.number,
                sheet.spec.column("kind"),
                row.raw.get("kind"),
                _(
                    "Chia tách ghi thành từng dòng: Thành lập, Chuyển, Giải thể (trang này); hoặc dùng trang Sắp xếp tổ chức."
                ),
            )
            continue
        if already_applied(event) and _all_visible(job.actor, event):
            shown.event(row.number, preview.UNCHANGED, label, codes)
            job.add("reorg_unchanged")
            continue
        try:
            with transaction.atomic():
                plan = run_row(event, decided_by=decided_by, actor=job.actor, find=find)
        except ValidationError as refused:
            shown.event(row.number, preview.ERROR, label, codes)
            for message in refused.messages:
                job.error(sheet, row.number, None, "", message)
            continue
        except PermissionDenied as refused:
            shown.event(row.number, preview.ERROR, label, codes)
            job.error(sheet, row.number, None, "", str(refused))
            continue
        shown.event(row.number, preview.CREATED, label, codes, plan)
        job.add("reorg_events")
