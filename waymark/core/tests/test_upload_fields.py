"""The file field of every upload page: refused by its name before it is stored or read."""

from __future__ import annotations

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils.datastructures import MultiValueDict

from waymark.core.forms import UploadedFileField


class CsvForm(forms.Form):
    file = UploadedFileField(label="CSV file")


class ZipOrCsvForm(forms.Form):
    file = UploadedFileField(
        label="police.uk file",
        suffixes=(".csv", ".ZIP"),
        required_message="Choose the police.uk file to upload.",
        wrong_kind="The file must be a police.uk CSV file or a .zip of them.",
    )


def errors_of(form_class: type[forms.Form], upload: SimpleUploadedFile | None) -> list[str]:
    files: MultiValueDict[str, UploadedFile] = MultiValueDict({"file": [upload]} if upload else {})
    form = form_class(data={}, files=files)
    form.is_valid()
    return [str(error) for error in form.errors.get("file", [])]


@pytest.mark.parametrize("name", ["crimes.csv", "CRIMES.CSV", "2025-01.Street.Csv"])
def test_a_file_named_as_it_should_be_is_taken_whatever_the_case(name: str) -> None:
    assert errors_of(CsvForm, SimpleUploadedFile(name, b"a,b\n")) == []


@pytest.mark.parametrize("name", ["crimes.xlsx", "crimes.csv.pdf", "crimes", "csv"])
def test_a_file_of_another_kind_is_refused_by_its_name(name: str) -> None:
    assert errors_of(CsvForm, SimpleUploadedFile(name, b"a,b\n")) == [
        "The file must be a CSV file (its name ending .csv)."
    ]


def test_the_kinds_and_messages_are_the_pages_own() -> None:
    assert errors_of(ZipOrCsvForm, SimpleUploadedFile("months.zip", b"PK")) == []
    assert errors_of(ZipOrCsvForm, SimpleUploadedFile("months.7z", b"x")) == [
        "The file must be a police.uk CSV file or a .zip of them."
    ]
    assert errors_of(ZipOrCsvForm, None) == ["Choose the police.uk file to upload."]


def test_no_file_and_an_empty_file_are_told_apart() -> None:
    assert errors_of(CsvForm, None) == ["Choose the CSV file to upload."]
    assert errors_of(CsvForm, SimpleUploadedFile("crimes.csv", b"")) == ["The file is empty."]
