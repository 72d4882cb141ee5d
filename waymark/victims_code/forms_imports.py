"""Forms of the Victims' Code import pages: a Code duties file, or an agency's aggregate return."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone


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

    extracted_on = forms.DateField(
        label="Date the force extracted the data",
        input_formats=["%Y-%m-%d"],
        help_text="It is not in the file. For example, 2025-04-01.",
        error_messages={
            "required": "Enter the date the force extracted the data.",
            "invalid": "Enter the extraction date as YYYY-MM-DD, for example 2025-04-01.",
        },
    )
    field_order = ["extracted_on", "file"]

    def clean_extracted_on(self) -> date:
        """An extract cannot have been taken in the future."""
        extracted_on: date = self.cleaned_data["extracted_on"]
        if extracted_on > timezone.localdate():
            raise forms.ValidationError("The extraction date must be today or in the past.")
        return extracted_on


class AggregateReturnUploadForm(_CsvUploadForm):
    """An agency's aggregate return for one quarter (docs/formats/aggregate-returns.md)."""
