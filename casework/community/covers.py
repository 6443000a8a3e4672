"""An article's cover: checked and re-encoded like a profile photo (no EXIF survives), in a
wide frame."""

from django.core.files.uploadedfile import UploadedFile

from casework.directory.photos import prepare_photo

COVER_SIZE = (1200, 630)  # the shape link previews expect


def prepare_cover(upload: UploadedFile[bytes]) -> bytes:
    return prepare_photo(upload, size=COVER_SIZE)
