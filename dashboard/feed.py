"""The change feed of a unit: every recorded change to anything in its subtree, newest first.

The historical tables of units, targets, headcounts, closed quarters and candidates are read as one
UNION (source, history_id, history_date) so the feed paginates in the database; the page's rows are
then fetched per table and described field by field (units.audit). Completed imports by people of
the subtree are in the same stream, linked to their record.
"""

from django.core.paginator import Paginator
from django.db.models import F, Q, Value
from django.urls import reverse

from recruitment.models import Candidate, ImportStatus, WorkbookImport
from units import audit
from units.models import ClosedQuarter, Headcount, Target, Unit

FEED_PAGE_SIZE = 30


def _sources(unit, *, own_only):
    """{source: (model, historical queryset limited to the unit or its subtree)}."""
    subtree_ids = Unit.objects.subtree(unit).values("pk")
    if own_only:
        units = Q(id=unit.pk)
        by_unit = Q(unit_id=unit.pk)
    else:
        # Current membership decides (a unit moved out is no longer this feed's); deletions by path.
        units = Q(id__in=subtree_ids) | Q(history_type="-", path__startswith=unit.path)
        by_unit = Q(unit_id__in=subtree_ids)
    sources = {
        "unit": (Unit, Unit.history.filter(units)),
        "target": (Target, Target.history.filter(by_unit)),
        "headcount": (Headcount, Headcount.history.filter(by_unit)),
        "closure": (ClosedQuarter, ClosedQuarter.history.filter(by_unit)),
    }
    if not own_only:
        people = Q(id__in=Candidate.objects.in_subtree(unit).values("pk")) | Q(
            history_type="-", cell_id__in=subtree_ids
        )
        sources["candidate"] = (Candidate, Candidate.history.filter(people))
    return sources


def _imports(unit):
    return WorkbookImport.objects.filter(status=ImportStatus.DONE, user__unit__path__startswith=unit.path)


def feed_query(unit, *, own_only=False):
    """One query's worth of (source, history_id, history_date), newest first."""
    parts = [
        queryset.order_by().annotate(source=Value(key)).values_list("source", "history_id", "history_date")
        for key, (_model, queryset) in _sources(unit, own_only=own_only).items()
    ]
    if not own_only:
        parts.append(
            _imports(unit)
            .order_by()
            .annotate(source=Value("import"), history_id=F("pk"), history_date=F("imported_at"))
            .values_list("source", "history_id", "history_date")
        )
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-history_date", "-history_id")


class ImportEntry:
    """A completed workbook import in the feed."""

    is_import = True
    kind = "import"
    changes = ()
    reason = ""

    def __init__(self, record, viewer):
        self.record = record
        self.when = record.imported_at
        self.user = record.user
        # The import's page is its author's (and superusers'): others see the line without a link.
        self.url = reverse("imports:detail", args=[record.pk]) if record.readable_by(viewer) else ""


def describe_rows(rows, unit, viewer, *, own_only=False):
    """The feed's page: Change (and ImportEntry) objects in the order of `rows`."""
    sources = _sources(unit, own_only=own_only)
    wanted = {}
    for source, history_id, _when in rows:
        wanted.setdefault(source, []).append(history_id)
    described = {}
    for source, ids in wanted.items():
        if source == "import":
            for record in _imports(unit).select_related("user").filter(pk__in=ids):
                described[(source, record.pk)] = ImportEntry(record, viewer)
            continue
        model, queryset = sources[source]
        records = queryset.filter(history_id__in=ids).select_related("history_user__unit")
        if source in ("target", "headcount", "closure"):
            records = records.select_related("unit")
        for change in audit.describe(records, model, viewer=viewer):
            change.url = _url(source, change.record)
            described[(source, change.record.history_id)] = change
    return [described[(source, history_id)] for source, history_id, _when in rows if (source, history_id) in described]


def _url(source, record):
    if record.history_type == "-" and source in ("unit", "candidate"):
        return ""
    if source == "candidate":
        return reverse("recruitment:candidate_detail", args=[record.id])
    if source == "unit":
        return reverse("dashboard:unit_detail", args=[record.id])
    return reverse("dashboard:unit_detail", args=[record.unit_id])


def feed_page(unit, viewer, page_number, *, own_only=False, per_page=FEED_PAGE_SIZE):
    paginator = Paginator(feed_query(unit, own_only=own_only), per_page)
    page = paginator.get_page(page_number)
    page.entries = describe_rows(list(page.object_list), unit, viewer, own_only=own_only)
    return page


def latest_changes(unit, viewer, limit=10):
    """The unit's own latest changes (itself, its targets, headcounts and closed quarters)."""
    rows = list(feed_query(unit, own_only=True)[:limit])
    return describe_rows(rows, unit, viewer, own_only=True)
