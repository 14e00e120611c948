"""Images customers attach to support messages (P5): judged by their content, not their name,
and stored re-encoded, so nothing but the pixels is kept.

A phone photo carries EXIF metadata: where it was taken (GPS), when, and the phone's make and
serial numbers. Re-encoding from the decoded pixels drops all of it, and whatever a file
disguised as an image hides after its picture data. The orientation tag is applied first, so a
photo still shows upright once it is gone.

Decoding is what costs: a PNG of one colour compresses 40 megapixels into a hundred kilobytes
and decodes into 160 MB. So an upload is judged in two steps (docs/security.md, "Uploads"):
1. `check_image` reads only the header (Pillow's `open` does not decode): the kind, and the
   size in pixels, refused above MAX_PIXELS_BY_KIND. Pillow's own decompression-bomb limit is
   set to MAX_PIXELS, and its warning counts as a refusal.
2. `decode_image`, only for what passed and only once the rate limit let the post through,
   decodes (a JPEG at the smallest scale that still covers the stored size), scales down to
   MAX_SIDE pixels on the longer side and re-encodes.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
# What a phone photo needs: a 24-megapixel photo (5712 × 4284) fits, a bomb does not. A JPEG
# is decoded at a fraction of its size (see decode_image); a PNG or WebP only whole, and phones
# make those of screenshots (under 4 megapixels), so they get a lower cap.
MAX_PIXELS = 25_000_000
MAX_PIXELS_BY_KIND = {"JPEG": MAX_PIXELS, "PNG": 12_000_000, "WEBP": 12_000_000}
# Pillow refuses anything twice this, and warns above it (which check_image refuses too), for
# every image the process opens.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Stored images are scaled down to this many pixels on their longer side: plenty for staff to
# read a serial number or see a crack, a fraction of the memory and disk of the original.
MAX_SIDE = 2560
# Pillow format -> (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
ACCEPT = ",".join(content_type for content_type, _ in FORMATS.values())
TOO_MANY_PIXELS = "has too many pixels (25 megapixels at most for JPEG, 12 for PNG and WebP)."
CANNOT_OPEN = "is not an image we can open (JPEG, PNG or WebP)."
DAMAGED = "is damaged or not a complete image."


class ImageRefused(ValueError):
    """Not an image we take; the message says why, for the customer."""


@dataclass(frozen=True)
class CheckedImage:
    """An upload whose header passed: its kind and size are known, nothing decoded yet."""

    upload: object
    kind: str
    width: int
    height: int


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.content)


def check_image(upload) -> CheckedImage:
    """Step 1: the upload's header, without decoding a pixel; ImageRefused if it is not one we
    take."""
    if upload.size > MAX_BYTES:
        raise ImageRefused("is larger than 5 MB.")
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in FORMATS:
                    raise ImageRefused("is not a JPEG, PNG or WebP image.")
                if width * height > MAX_PIXELS_BY_KIND[kind]:
                    raise ImageRefused(TOO_MANY_PIXELS)
                probe.verify()  # chunk checksums and structure; decodes nothing
    except ImageRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused(TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        raise ImageRefused(CANNOT_OPEN) from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError):
        raise ImageRefused(DAMAGED) from None
    return CheckedImage(upload, kind, width, height)


def decode_image(checked: CheckedImage) -> CleanImage:
    """Step 2: the checked upload decoded, scaled down to MAX_SIDE and re-encoded without
    metadata; ImageRefused if its data turns out damaged."""
    upload, kind = checked.upload, checked.kind
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if (image.format, image.size) != (kind, (checked.width, checked.height)):
                    raise ImageRefused(DAMAGED)  # not the file that was checked
                if kind == "JPEG":  # decoded at 1/2, 1/4 or 1/8 scale if that still covers
                    image.draft(None, _stored_size(image.size))
                image.load()
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                ImageOps.exif_transpose(image, in_place=True)
                content = _reencode(image, kind)
    except ImageRefused:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRefused(TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        raise ImageRefused(CANNOT_OPEN) from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError):
        raise ImageRefused(DAMAGED) from None
    content_type, extension = FORMATS[kind]
    return CleanImage(content, content_type, extension)


def _stored_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    ratio = min(1.0, MAX_SIDE / max(width, height))
    return max(1, int(width * ratio)), max(1, int(height * ratio))


def clean_image(upload) -> CleanImage:
    """Both steps at once: the upload re-encoded without metadata, or ImageRefused."""
    return decode_image(check_image(upload))


def _reencode(image: Image.Image, kind: str) -> bytes:
    keeps_alpha = kind != "JPEG" and (
        image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    )
    mode = "RGBA" if keeps_alpha else ("L" if image.mode in ("L", "1") else "RGB")
    converted = image if image.mode == mode else image.convert(mode)
    # A new image with only the pixels: no EXIF, XMP, ICC, text chunks or comments come along
    # (pasted, not copied through bytes: one copy of the pixels fewer in memory).
    bare = Image.new(mode, converted.size)
    bare.paste(converted)
    out = io.BytesIO()
    if kind == "JPEG":
        bare.save(out, "JPEG", quality=90, optimize=True)
    elif kind == "PNG":
        bare.save(out, "PNG", optimize=True)
    else:
        bare.save(out, "WEBP", quality=90)
    return out.getvalue()
