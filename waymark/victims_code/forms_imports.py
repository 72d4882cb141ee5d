"""Forms of the Victims' Code import pages: a Code duties file, or an agency's aggregate return."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from waymark.core.date_input import DateInputField


class _CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={"required": "Choose the CSV file to upload.", "empty": "The file is empty."},
    )

    def clean_file(self) -> UploadedFile:
        """A CSV file, by its name: anything else is refused before it is stored."""
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file (its name ending .csv).")
        return upload


class CodeDutiesUploadForm(_CsvUploadForm):
    """A Code duties file (docs/formats/code-duties.md) and its extraction date."""

    extracted_on = DateInputField(
        label="Date the force extracted the data",
        help_text="It is not in the file.",
        not_after_today=True,
    )
    field_order = ["extracted_on", "file"]


class AggregateReturnUploadForm(_CsvUploadForm):
    """An agency's aggregate return for one quarter (docs/formats/aggregate-returns.md)."""
