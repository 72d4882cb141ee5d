"""Forms of the crime pages: uploading a file of the force's extract or police.uk data, and
correcting a file's extraction date."""

from __future__ import annotations

from django import forms

from waymark.core.forms import UploadedFileField, extraction_date_field

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
    extracted_on = extraction_date_field(help_text="It is not in the file.")
    file = UploadedFileField(label="CSV file")


class ExtractionDateForm(forms.Form):
    """The corrected extraction date of a file of the force's extract."""

    extracted_on = extraction_date_field()


class PoliceUkUploadForm(forms.Form):
    """police.uk open data as data.police.uk gives it (docs/formats/police-uk.md)."""

    file = UploadedFileField(
        label="police.uk file",
        help_text="A street or outcomes CSV, named as police.uk names it, or the .zip of them.",
        suffixes=(".csv", ".zip"),
        required_message="Choose the police.uk file to upload.",
        wrong_kind="The file must be a police.uk CSV file or a .zip of them.",
    )
