"""Attachments: size, allowed types read from the content, names that cannot lie."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from casework.messaging.attachments import check_content, check_upload, clean_file_name
from casework.testing.messaging import PDF_BYTES, PNG_BYTES


def test_an_honest_file_passes_with_its_sniffed_type() -> None:
    checked = check_content(PDF_BYTES, "leaflet.pdf")
    assert (checked.content_type, checked.name) == ("application/pdf", "leaflet.pdf")


def test_a_file_without_an_extension_gets_the_one_its_content_has() -> None:
    assert check_content(PNG_BYTES, "scan").name == "scan.png"


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (PDF_BYTES, "photo.png", "type_mismatch"),
        (PNG_BYTES, "report.pdf", "type_mismatch"),
        (b"<html><script>alert(1)</script></html>", "report.pdf", "type_not_allowed"),
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "invoice.pdf", "type_not_allowed"),
        (b"PK\x03\x04" + b"\x00" * 40, "archive.zip", "type_not_allowed"),
        (b"just some text", "notes.txt", "type_not_allowed"),
    ],
    ids=["pdf-named-png", "png-named-pdf", "html-named-pdf", "exe-named-pdf", "zip", "text"],
)
def test_content_that_lies_or_is_not_allowed_is_refused(
    content: bytes, name: str, code: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        check_content(content, name)
    assert refused.value.code == code


def test_empty_and_oversized_uploads_are_refused(settings: Settings) -> None:
    settings.MESSAGING_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as empty:
        check_upload(SimpleUploadedFile("a.png", b"", content_type="image/png"))
    assert empty.value.code == "empty"
    with pytest.raises(ValidationError) as large:
        check_upload(SimpleUploadedFile("a.png", PNG_BYTES + b"\x00" * 200))
    assert large.value.code == "too_large"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\robin\\photo.png", "photo.png"),
        ('"><img src=x onerror=alert(1)>.png', "img src=x onerror=alert(1).png"),
        ("\u202egnp.exe", "gnp.png"),
        ("", "attachment.png"),
        ("x" * 500 + ".png", "x" * 116 + ".png"),
    ],
)
def test_file_names_are_made_safe_to_show_and_download(raw: str, expected: str) -> None:
    assert clean_file_name(raw, "png") == expected
