"""Checking a file before it is attached: size, and a type read from the content itself.

A file is accepted only when its bytes are one of the allowed types *and* its name (if it has
an extension) agrees with them, so a script renamed ``report.pdf`` and a PDF renamed
``photo.png`` are both refused with a reason. Nothing is stored here.
"""

import unicodedata
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from casework.messaging import policy

MAX_NAME_CHARS = 120


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    name: str


def allowed_extensions_text() -> str:
    extensions = sorted(
        {ext.upper() for exts in policy.attachment_types().values() for ext in exts}
    )
    return ", ".join(extensions)


def clean_file_name(raw: str, extension: str) -> str:
    """A name that is safe to show and to offer for download: no path, no control characters."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        char for char in base if unicodedata.category(char)[0] != "C" and char not in '<>:"|?*'
    ).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: MAX_NAME_CHARS - len(extension) - 1] or "attachment"
    return f"{stem}.{extension}"


def check_upload(upload: UploadedFile[bytes]) -> CheckedFile:
    limit = policy.attachment_max_bytes()
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; files can be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:  # the size the client declared was not the truth
        raise ValidationError(
            _("Files can be at most %(limit)s.") % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    return check_content(content, upload.name or "")


def check_content(content: bytes, name: str) -> CheckedFile:
    allowed = policy.attachment_types()
    kind = filetype.guess(content)
    if kind is None or kind.mime not in allowed:
        raise ValidationError(
            _("This kind of file cannot be sent. You can send %(types)s files.")
            % {"types": allowed_extensions_text()},
            code="type_not_allowed",
        )
    extensions = allowed[kind.mime]
    raw_name = name.strip()
    stated = raw_name.rsplit(".", 1)[-1].lower() if "." in raw_name else ""
    if stated and stated not in extensions:
        raise ValidationError(
            _(
                "The file's content does not match its name: it is a %(actual)s file, but its "
                "name ends in .%(stated)s."
            )
            % {"actual": extensions[0].upper(), "stated": stated[:10]},
            code="type_mismatch",
        )
    return CheckedFile(content, kind.mime, clean_file_name(raw_name, stated or extensions[0]))
