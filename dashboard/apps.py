from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The pages that combine the apps below: home, a unit's page and its change feed."""

    name = "dashboard"
    verbose_name = _("Tổng quan")
