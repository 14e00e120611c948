"""Images customers attach to support messages (P5): judged by their content, not their name,
and stored re-encoded, so nothing but the pixels is kept.

A phone photo carries EXIF metadata: where it was taken (GPS), when, and the phone's make and
serial numbers. Re-encoding from the decoded pixels drops all of it, and whatever a file
disguised as an image hides after its picture data. The orientation tag is applied first, so a
photo still shows upright once it is gone.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
# Far above any phone camera, far below a decompression bomb.
MAX_PIXELS = 40_000_000
# Pillow format -> (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
ACCEPT = ",".join(content_type for content_type, _ in FORMATS.values())


class ImageRefused(ValueError):
    """Not an image we take; the message says why, for the customer."""


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.content)


def clean_image(upload) -> CleanImage:
    """The upload re-encoded without metadata, or ImageRefused."""
    if upload.size > MAX_BYTES:
        raise ImageRefused("is larger than 5 MB.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in FORMATS:
                raise ImageRefused("is not a JPEG, PNG or WebP image.")
            if width * height > MAX_PIXELS:
                raise ImageRefused("has too many pixels (40 megapixels at most).")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            content = _reencode(ImageOps.exif_transpose(image), kind)
    except ImageRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ImageRefused("is not an image we can open (JPEG, PNG or WebP).") from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError):
        raise ImageRefused("is damaged or not a complete image.") from None
    content_type, extension = FORMATS[kind]
    return CleanImage(content, content_type, extension)


def _reencode(image: Image.Image, kind: str) -> bytes:
    keeps_alpha = kind != "JPEG" and (
        image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    )
    mode = "RGBA" if keeps_alpha else ("L" if image.mode in ("L", "1") else "RGB")
    converted = image.convert(mode)
    # A new image from the bare pixels: no EXIF, XMP, ICC, text chunks or comments come along.
    bare = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if kind == "JPEG":
        bare.save(out, "JPEG", quality=90, optimize=True)
    elif kind == "PNG":
        bare.save(out, "PNG", optimize=True)
    else:
        bare.save(out, "WEBP", quality=90)
    return out.getvalue()
