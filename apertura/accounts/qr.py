"""QR codes drawn on the server as inline SVG: the secret never leaves for a third-party image service."""

import re

import qrcode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from qrcode.image.svg import SvgPathFillImage

_SIZE_ATTRIBUTES = re.compile(r'\s(width|height)="[^"]*"')


def qr_svg(text: str, *, label: str, size_px: int = 220) -> SafeString:
    image = qrcode.make(text, image_factory=SvgPathFillImage, border=4)
    svg = image.to_string(encoding="unicode")
    svg = svg[svg.index("<svg"):]  # no XML declaration inside HTML
    opening, rest = svg.split(">", 1)
    opening = _SIZE_ATTRIBUTES.sub("", opening)
    attributes = f' width="{size_px}" height="{size_px}" role="img" aria-label="{escape(label)}"'
    # qrcode's own markup plus the escaped label: nothing from the user is inserted unescaped.
    return mark_safe(opening + attributes + ">" + rest)
