from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        help_text=gettext_lazy("The item export's layout, or the template's."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CHENGYI_IMPORT_MAX_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": settings.CHENGYI_IMPORT_MAX_MB},
                code="too_large",
            )
        return upload
