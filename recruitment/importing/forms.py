from django import forms
from django.utils.translation import gettext_lazy as _

from units.spreadsheets import XLSX_CONTENT_TYPE

from .errors import WorkbookError
from .workbook import check_upload


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp Excel (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        error_messages={"required": _("Hãy chọn một tệp .xlsx."), "empty": _("Tệp rỗng.")},
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_upload(uploaded.name, uploaded.size)
        except WorkbookError as error:
            raise forms.ValidationError(error.message) from None
        return uploaded
