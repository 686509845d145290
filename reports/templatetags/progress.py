"""Drawing a unit's progress: the bar, the table (reports.tables.ProgressTable) and the stat cards."""

from django import template
from django.utils.safestring import mark_safe

from .. import tables

register = template.Library()


@register.simple_tag
def progress_bar(ratio):
    return mark_safe(tables.progress_bar(ratio))


@register.inclusion_tag("includes/_progress_table.html")
def progress_table(table):
    return {"table": table}


@register.inclusion_tag("includes/_progress_stats.html")
def progress_stats(row, *, projection=True, remaining=False, ratio=True, members=False, testids=False):
    """The unit's figures as cards: target, admitted, then the ratio reached or (for a cell secretary)
    those still to admit, the projection to the year's end, and the members and share when asked."""
    return {
        "row": row,
        "projection": projection,
        "remaining": remaining,
        "ratio": ratio,
        "members": members,
        "testids": testids,
    }
