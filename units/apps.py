from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Tổ chức đảng")

    def ready(self):
        from . import signals  # noqa: F401  (connects the login records)
