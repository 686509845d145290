from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        from recruitment.demo import demo_written

        from . import demo, permissions

        permissions.register()
        demo_written.connect(demo.write_demo_returns, dispatch_uid="reports.demo.write_demo_returns")
