"""Forms of the Victims' Code import pages: a Code duties file, or an agency's aggregate return."""

from __future__ import annotations

from django import forms

from waymark.core.forms import UploadedFileField, extraction_date_field


class CodeDutiesUploadForm(forms.Form):
    """A Code duties file (docs/formats/code-duties.md) and its extraction date."""

    extracted_on = extraction_date_field(help_text="It is not in the file.")
    file = UploadedFileField(label="CSV file")


class AggregateReturnUploadForm(forms.Form):
    """An agency's aggregate return for one quarter (docs/formats/aggregate-returns.md)."""

    file = UploadedFileField(label="CSV file")
