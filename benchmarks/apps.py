from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    """Only the `bench` and `bench_import` commands: no models, no URLs, nothing in production pages."""

    name = "benchmarks"
    verbose_name = _("Đo hiệu năng")
