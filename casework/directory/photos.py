"""Profile photos: any common image in, a small JPEG without metadata out."""

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

PHOTO_MAX_PIXELS = 20_000_000
PHOTO_SIZE = 512
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def prepare_photo(
    upload: UploadedFile[bytes], *, size: tuple[int, int] = (PHOTO_SIZE, PHOTO_SIZE)
) -> bytes:
    """Check that ``upload`` is a real image of a sane size, and return it as a JPEG of at
    most ``size`` (512x512) pixels, re-encoded from its pixels so that no EXIF (location, camera) or
    other metadata survives."""
    # Imported here, where an upload is read: the web process serves pages without Pillow.
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.DIRECTORY_PHOTO_MAX_BYTES  # CASEWORK_PHOTO_MAX_MB
    too_large = ValidationError(
        _("A photo can be at most %(megabytes)s MB.") % {"megabytes": limit // (1024 * 1024)},
        code="too_large",
    )
    if upload.size is not None and upload.size > limit:
        raise too_large
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    not_an_image = ValidationError(
        _("This file is not a photo we can read. Use a JPEG, PNG, WebP or GIF image."),
        code="not_an_image",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns before it refuses a decompression bomb; the refusal is the answer.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > PHOTO_MAX_PIXELS:
                    raise ValidationError(
                        _("This photo is too large: at most 20 megapixels, please."),
                        code="too_many_pixels",
                    )
                probe.verify()
            # verify() leaves the image unusable: open it again to read the pixels.
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                upright = ImageOps.exif_transpose(image)
                pixels = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise not_an_image from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Truncated or malformed files surface as any of these from Pillow's decoders.
        raise not_an_image from None
    pixels = ImageOps.fit(pixels, size, method=Image.Resampling.LANCZOS)
    output = io.BytesIO()
    pixels.save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue()
