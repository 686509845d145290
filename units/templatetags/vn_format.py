from django import template

from units import formatting

register = template.Library()


@register.filter
def vn_int(value):
    return formatting.vn_int(value)


@register.filter
def vn_percent(value, places=1):
    return formatting.vn_percent(value, int(places))


@register.filter
def vn_decimal(value, places=1):
    return formatting.vn_decimal(value, int(places))
