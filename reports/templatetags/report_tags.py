from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (counts per category or stage)."""
    return mapping.get(key) if mapping else None
