import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from casework.directory.photos import PHOTO_SIZE, prepare_photo


def image_file(
    size: tuple[int, int] = (800, 600), image_format: str = "JPEG", exif: bool = False
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 120, 40))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "Camera Maker"  # Make
        data[0x0132] = "2024:01:01 10:00:00"  # DateTime
        gps = {2: (51.0, 30.0, 0.0), 1: "N", 4: (0.0, 7.0, 0.0), 3: "W"}
        data[0x8825] = gps  # GPSInfo
        image.save(buffer, format=image_format, exif=data)
    else:
        image.save(buffer, format=image_format)
    return SimpleUploadedFile(f"photo.{image_format.lower()}", buffer.getvalue())


def test_a_photo_is_cropped_to_a_square_jpeg_of_512_pixels() -> None:
    result = Image.open(io.BytesIO(prepare_photo(image_file((1200, 800), "PNG"))))
    assert result.format == "JPEG"
    assert result.size == (PHOTO_SIZE, PHOTO_SIZE)


def test_exif_and_location_are_removed() -> None:
    upload = image_file(exif=True)
    assert b"Camera Maker" in upload.read()
    upload.seek(0)
    cleaned = prepare_photo(upload)
    assert b"Camera Maker" not in cleaned
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_a_file_that_is_not_an_image_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a photo we can read"):
        prepare_photo(SimpleUploadedFile("cv.pdf", b"%PDF-1.7 not an image"))


def test_a_truncated_image_is_refused() -> None:
    whole = image_file().read()
    with pytest.raises(ValidationError, match="not a photo we can read"):
        prepare_photo(SimpleUploadedFile("photo.jpg", whole[: len(whole) // 3]))


def test_a_file_over_5_mb_is_refused() -> None:
    with pytest.raises(ValidationError, match="at most 5 MB"):
        prepare_photo(SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024)))


def test_an_image_of_too_many_pixels_is_refused() -> None:
    # 25 megapixels of one colour compress to a small PNG: the pixel count is what is checked.
    with pytest.raises(ValidationError, match="20 megapixels"):
        prepare_photo(image_file((5000, 5000), "PNG"))
