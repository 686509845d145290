"""The roles an account holds in its unit (units.permissions says what each may do)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Cán bộ Ban Tổ chức")
    LEADERSHIP = "leadership", _("Lãnh đạo cấp ủy")
    SECRETARY = "secretary", _("Bí thư chi bộ")
