"""Page images, decoded within bounds: the frames of an image file, the scanned image of a PDF
page, upright and scaled as OCR reads them and the document view shows them."""

from __future__ import annotations

import io

from ingest.loaders import LoadError
from ingest.ocr import OCR_LIMITS, OcrLimits


def upright_rgb(image, max_pixels: int):
    """A page image as OCR reads it and the document view shows it: upright (EXIF orientation),
    RGB over white paper, scaled down to at most `max_pixels` (same aspect ratio, so a box in
    one scale's pixels is the same share of the page in another's)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):  # transparency over white paper, palettes, CMYK, 16-bit
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    image = image.convert("RGB")
    pixels = image.width * image.height
    if pixels > max_pixels:
        scale = (max_pixels / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image


def prepare_image(image, limits: OcrLimits = OCR_LIMITS):
    """RGB array of a page image, upright (EXIF orientation) and within the pixel bound."""
    import numpy as np

    return np.asarray(upright_rgb(image, limits.max_pixels))[:, :, ::-1].copy()  # BGR, as OpenCV-based engines expect


def open_image(data: bytes, limits: OcrLimits = OCR_LIMITS):
    """The frames of an image file (a multi-page TIFF has several), decoded within bounds."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > limits.max_image_pixels:
            raise LoadError(f"image too large ({image.width} x {image.height} pixels; limit "
                            f"{limits.max_image_pixels // 1_000_000} MP)", kind="too_much")
        count = min(getattr(image, "n_frames", 1), limits.max_pages)
    except LoadError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError) as e:
        raise LoadError(f"unreadable image ({type(e).__name__}: {e})", kind="corrupt") from e
    return _Frames(image, count, limits)


class _Frames:
    """The frames of an image, each decoded only when its turn comes (one in memory at a time)."""

    def __init__(self, image, count: int, limits: OcrLimits) -> None:
        self.image, self.count, self.limits = image, count, limits

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, i: int):
        from PIL import Image

        if not 0 <= i < self.count:
            raise IndexError(i)
        self.image.seek(i)
        if self.image.width * self.image.height > self.limits.max_image_pixels:
            raise ValueError(f"frame too large ({self.image.width} x {self.image.height} pixels)")
        try:
            frame = self.image.copy()
            frame.load()
        except (OSError, SyntaxError, EOFError, Image.DecompressionBombError) as e:
            raise ValueError(f"unreadable image ({type(e).__name__}: {e})") from e
        return frame

def page_image(page, limits: OcrLimits = OCR_LIMITS):
    """The page's largest embedded image (a scanner writes one image per page), or None. Images
    are chosen by their declared size and only the chosen one is decoded."""
    best, best_px = None, 0
    try:
        xobjects = page["/Resources"]["/XObject"].get_object()
        declared = [(name, int(x.get_object().get("/Width", 0)) * int(x.get_object().get("/Height", 0)))
                    for name, x in xobjects.items() if x.get_object().get("/Subtype") == "/Image"]
    except (KeyError, TypeError, ValueError, AttributeError):
        declared = []
    if declared:
        name, px = max(declared, key=lambda d: d[1])
        if px > limits.max_image_pixels:
            raise LoadError(f"its image is too large ({px // 1_000_000} MP; limit "
                            f"{limits.max_image_pixels // 1_000_000} MP)", kind="too_much")
        return page.images[name].image
    for item in page.images:  # images inside forms or inline: decoded to be measured
        image = item.image
        if image is not None and image.width * image.height > best_px:
            if image.width * image.height > limits.max_image_pixels:
                raise LoadError(f"its image is too large ({image.width} x {image.height} pixels)", kind="too_much")
            best, best_px = image, image.width * image.height
    return best

