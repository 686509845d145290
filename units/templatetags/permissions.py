"""`{% if user|may:"import" %}`: the role's side of units.permissions, for drawing a menu item."""

from django import template

from units import permissions

register = template.Library()


@register.filter
def may(user, action):
    return permissions.may(user, action)
