"""Checks for uploaded files: the real type from the content, never from the name, and a size limit.

A file is accepted only if its bytes are one of the kinds below. Anything that looks like HTML or script
is refused, so an upload can never be served back as a page. Text is recognised in UTF-8, single-byte encodings,
and UTF-16 or UTF-32 (with or without a byte order mark), which spreadsheets write as "Unicode text".
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_TYPES = {
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip", "text/csv", "text/plain",
}
PARQUET = "application/vnd.apache.parquet"
# Shown inline by browsers safely; everything else is only ever downloaded.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")
# UTF-32's marks first: the little-endian one (FF FE 00 00) begins with UTF-16's (FF FE).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Without a mark, text in the Basic Multilingual Plane (Latin text above all) leaves the high bytes of each code
# unit zero: (codec, bytes per unit, positions that are zero, position that is not).
_WIDE_PATTERNS = (("utf-32-le", 4, (2, 3), 0), ("utf-32-be", 4, (0, 1), 3),
                  ("utf-16-le", 2, (1,), 0), ("utf-16-be", 2, (0,), 1))
# Controls that no text file holds (C1 ones only appear when cp1252 bytes are misread, never in UTF-16/32).
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def check_upload(upload, *, max_bytes: int, allowed: set[str] = DOCUMENT_TYPES) -> CheckedUpload:
    """Stream the upload once: size, SHA-256 and type; raise ValidationError with a reason a person can act on."""
    if upload.size > max_bytes:
        raise ValidationError(_("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)})
    sha = hashlib.sha256()
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        sha.update(chunk)
    upload.seek(0)
    content_type = _sniff(head)
    if content_type not in allowed:
        raise ValidationError(
            _("«%(name)s» is not an accepted kind of file (its content is %(kind)s). Accepted: PDF, images, "
              "office documents, CSV and plain text.") % {"name": upload.name, "kind": content_type})
    return CheckedUpload(content_type, upload.size, sha.hexdigest())


def _sniff(head: bytes) -> str:
    if head.startswith(b"PAR1"):  # Apache Parquet's magic number; filetype does not know it
        return PARQUET
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not head:
        return "empty"
    wide = _wide_encoding(head)
    if wide:
        text = _wide_text(head, wide)
        if text is None:
            return "application/octet-stream"
        if any(marker.decode() in text.lstrip("\ufeff").lstrip().lower()[:1024] for marker in _MARKUP):
            return "text/html"
    else:
        lowered = head.lstrip().lower()
        if any(marker in lowered[:1024] for marker in _MARKUP):
            return "text/html"
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = head.decode("latin-1")  # older spreadsheets export Latin-1; still text
        if "\x00" in text:
            return "application/octet-stream"
    first = text.splitlines()[0] if text.splitlines() else ""
    return "text/csv" if first.count(",") or first.count(";") or first.count("\t") else "text/plain"


def _wide_encoding(head: bytes) -> str | None:
    for bom, codec in _WIDE_BOMS:
        if head.startswith(bom):
            return codec
    sample = head[:4096]
    for codec, width, zeros, nonzero in _WIDE_PATTERNS:
        units = len(sample) // width
        if units < 2:
            continue
        lanes = [sample[lane:units * width:width].count(0) for lane in range(width)]
        if all(lanes[lane] >= 0.9 * units for lane in zeros) and lanes[nonzero] <= 0.1 * units:
            return codec
    return None


def _wide_text(head: bytes, codec: str) -> str | None:
    """`head` read as UTF-16/32 text, or None when it is binary wearing a byte order mark: almost any pair of bytes
    is some UTF-16 character, so the text must also hold no controls, no lone surrogates (a decoding error) and
    hardly any unassigned or private-use characters, which random bytes give by the thousand."""
    try:
        # Not final: the head may end inside a character, which is not an error.
        text = codecs.getincrementaldecoder(codec)(errors="strict").decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if _BINARY_CONTROLS.search(text):
        return None
    unusual = sum(1 for char in text if unicodedata.category(char) in ("Cn", "Co", "Cs"))
    if unusual > len(text) // 100:
        return None
    return text


def stored_file_response(file, *, content_type: str, filename: str) -> FileResponse:
    """Serve a stored upload so that it can never run as a page of this site, even one that slipped past the
    checks: a sandbox CSP, no type sniffing, and only harmless types shown in the browser; the rest download."""
    content_type = content_type or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=content_type,
                            as_attachment=content_type not in INLINE_TYPES, filename=filename)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
