"""Forms of the crime pages: uploading a file of the force's extract or police.uk data, and
correcting a file's extraction date."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from waymark.core.date_input import DateInputField

from .models import ForceExtractImport


class ForceExtractUploadForm(forms.Form):
    """One file of the force's extract (docs/formats/force-extract.md) and its extraction date."""

    kind = forms.ChoiceField(
        label="Which file is it?",
        choices=[
            (kind.value, kind.label)
            for kind in (ForceExtractImport.Kind.CRIMES, ForceExtractImport.Kind.EVENTS)
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the file holds crimes or case-progression events."},
    )
    extracted_on = DateInputField(
        label="Date the force extracted the data",
        help_text="It is not in the file.",
        not_after_today=True,
    )
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


class ExtractionDateForm(forms.Form):
    """The corrected extraction date of a file of the force's extract."""

    extracted_on = DateInputField(label="Date the force extracted the data", not_after_today=True)


class PoliceUkUploadForm(forms.Form):
    """police.uk open data as data.police.uk gives it (docs/formats/police-uk.md)."""

    file = forms.FileField(
        label="police.uk file",
        help_text="A street or outcomes CSV, named as police.uk names it, or the .zip of them.",
        error_messages={"required": "Choose the police.uk file to upload.", "empty": "The file is empty."},
    )

    def clean_file(self) -> UploadedFile:
        """A CSV or a zip, by its name: anything else is refused before it is stored."""
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".zip")):
            raise forms.ValidationError("The file must be a police.uk CSV file or a .zip of them.")
        return upload
