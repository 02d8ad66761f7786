"""Lead images owned by the site: ``thumbnail = "auto"`` downloads an article's lead image
once, under the same network rules as every other request, and keeps a clean copy.

The copy is decoded and encoded again by Pillow, never stored as received: only JPEG, PNG,
GIF and WebP are read, the pixel count is checked before anything is decoded (a small file
can claim a huge canvas), metadata (EXIF, GPS, comments) is dropped, and what is written is
a plain JPEG (PNG where the image has transparency) that Hugo's image processing can always
read. A site build therefore never meets a file it cannot decode.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from newsdesk.config import ImagesConfig
from newsdesk.errors import NewsdeskError
from newsdesk.fetch.client import Fetcher
from newsdesk.fetch.guard import Trust

READABLE = ("JPEG", "PNG", "GIF", "WEBP")
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
"""Pillow's own bound on the pixels of one image (``[images] max_pixels`` stays below)."""
_ACCEPT = "image/avif;q=0,image/webp,image/png,image/jpeg,image/gif;q=0.8"


class ImageRefused(NewsdeskError):
    """The downloaded file is not an image newsdesk keeps (the reason says why)."""


@dataclass(frozen=True, slots=True)
class LeadImage:
    """An image ready to store with a post: its bytes, file suffix and size in pixels."""

    data: bytes
    suffix: str
    width: int
    height: int


async def download_image(fetcher: Fetcher, url: str, trust: Trust, cfg: ImagesConfig) -> bytes:
    """The bytes at ``url``, for :func:`clean_image`.

    Raises FetchError when they cannot be had (the network rules, a private address, a size
    over ``cfg.max_bytes``).
    """
    response = await fetcher.get(
        url, headers={"Accept": _ACCEPT}, trust=trust, max_bytes=cfg.max_bytes, retries=1
    )
    return response.content


def check_image(data: bytes, max_pixels: int = MAX_PIXELS) -> None:
    """Raise ImageRefused unless ``data`` is a whole JPEG or PNG of at most ``max_pixels``
    (what :func:`clean_image` writes; the publisher checks what a worker staged)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("JPEG", "PNG")) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise ImageRefused(f"image of {width}x{height} pixels")
                image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("image too large to decode safely") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRefused(f"not a whole JPEG or PNG image: {exc}") from None


def clean_image(data: bytes, cfg: ImagesConfig) -> LeadImage:
    """``data`` decoded within the limits of ``cfg`` and encoded again as a plain JPEG, or a
    PNG when it has transparency; ImageRefused when it is not a readable image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=READABLE) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > cfg.max_pixels:
                    raise ImageRefused(
                        f"image of {width}x{height} pixels (limit {cfg.max_pixels:,} pixels)"
                    )
                image.seek(0)  # the first frame of an animation
                image.load()
                upright = ImageOps.exif_transpose(image)  # as a phone meant it to be seen
                return _encode(upright, cfg.max_side)
    except ImageRefused:
        raise
    except UnidentifiedImageError:
        raise ImageRefused("not a JPEG, PNG, GIF or WebP image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("image too large to decode safely") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRefused(f"broken image: {exc}") from None


def _encode(image: Image.Image, max_side: int) -> LeadImage:
    """The image as a fresh file, scaled down to ``max_side`` at most."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    image.info = {}  # no comment, ICC profile or EXIF of the original is written again
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if transparent:
        image.save(out, format="PNG", optimize=True)
        suffix = ".png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        suffix = ".jpg"
    return LeadImage(out.getvalue(), suffix, image.width, image.height)
