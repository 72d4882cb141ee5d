"""Forms of the funding import pages: the file to check, and the commit of a checked file."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from waymark.core.forms import UploadedFileField

from .transfer import MAX_UPLOAD_BYTES


class TransferUploadForm(forms.Form):
    """An XLSX workbook or a ZIP of CSV files in the awards and posts layout."""

    file = UploadedFileField(
        label="Workbook (.xlsx) or ZIP of CSV files (.zip)",
        suffixes=(".xlsx", ".zip"),
        required_message="Choose the file to check.",
        wrong_kind="The file must be an XLSX workbook (.xlsx) or a ZIP of CSV files (.zip).",
    )

    def clean_file(self) -> UploadedFile:
        """At most 10 MB, before it is read (the field has checked its name)."""
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 10 MB.")
        return upload


class TransferCommitForm(forms.Form):
    """The signed token of a checked file (see `transfer.transfer_store`)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)
