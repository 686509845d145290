"""The one way a page asks for permission (units.permissions), as NetBox's views do.

A view declares its `action`; a role that may not take it at all is refused first (403, saying nothing
about any object). A page about one object also declares its `queryset` and fetches the object through
`queryset.restrict(user, "view")`: anything outside the user's scope is a 404, exactly as if it did not
exist; then the action is asked of the object itself (403 when, say, only the committee above may).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .models import Unit
from .permissions import VIEW, allows, may


class ActionRequiredMixin:
    action = VIEW
    permission_denied_message = _("Bạn không có quyền thực hiện việc này.")

    def get_action(self):
        return self.action

    def check_permission(self):
        if not may(self.request.user, self.get_action()):
            raise PermissionDenied(self.permission_denied_message)

    def dispatch(self, request, *args, **kwargs):
        self.check_permission()
        return super().dispatch(request, *args, **kwargs)


class RestrictedObjectMixin(ActionRequiredMixin):
    """A page about one object of `queryset`, looked up by `lookup_field` from the URL's
    `lookup_url_kwarg`; the object is `self.object` before any handler runs."""

    queryset = None
    lookup_field = "pk"
    lookup_url_kwarg = "pk"

    def get_queryset(self):
        return self.queryset.all()

    def scope_unit(self, obj):
        """The unit whose scope the object lies in (the object itself for a unit)."""
        return obj

    def get_object(self):
        obj = get_object_or_404(
            self.get_queryset().restrict(self.request.user, VIEW),
            **{self.lookup_field: self.kwargs[self.lookup_url_kwarg]},
        )
        action = self.get_action()
        if action != VIEW and not allows(self.request.user, action, self.scope_unit(obj)):
            raise PermissionDenied(self.permission_denied_message)
        return obj

    def check_permission(self):
        super().check_permission()
        self.object = self.get_object()


def home_unit(user):
    """The unit a user's pages start from: their own; the root for a superuser without one."""
    if user.unit_id is not None:
        return user.unit
    if user.is_superuser:
        return Unit.objects.get_first_root_node()
    return None


class ScopedUnitMixin(RestrictedObjectMixin):
    """A page about one unit: the one in the URL, or the user's own when the URL names none.
    `self.unit` is the unit; `crumbs` its ancestors within the user's scope, root first."""

    queryset = Unit.objects.all()
    include_self_in_crumbs = True

    def check_permission(self):
        if self.kwargs.get(self.lookup_url_kwarg) is None:
            self.home = home_unit(self.request.user)
            if self.home is None:
                raise Http404(_("Tài khoản của bạn chưa gắn với đơn vị nào."))
        super().check_permission()

    def get_object(self):
        if self.kwargs.get(self.lookup_url_kwarg) is None:
            return self.home
        return super().get_object()

    @property
    def unit(self):
        return self.object

    @cached_property
    def crumbs(self):
        return breadcrumbs(self.request.user, self.unit, include_self=self.include_self_in_crumbs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(unit=self.unit, crumbs=self.crumbs, **kwargs)


def breadcrumbs(user, unit, *, include_self=True):
    """The unit's ancestors (and itself) that the user may see, root first: one query."""
    return [
        ancestor
        for ancestor in Unit.objects.ancestors_of(unit, include_self=include_self)
        if allows(user, VIEW, ancestor)
    ]
