"""Checks for uploaded files: the real type from the content, never from the name, and a size limit.

A file is accepted only if its bytes are one of the kinds below. Anything that looks like HTML or script
is refused, so an upload can never be served back as a page.
"""

from __future__ import annotations

import hashlib
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


def stored_file_response(file, *, content_type: str, filename: str) -> FileResponse:
    """Serve a stored upload so that it can never run as a page of this site, even one that slipped past the
    checks: a sandbox CSP, no type sniffing, and only harmless types shown in the browser; the rest download."""
    content_type = content_type or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=content_type,
                            as_attachment=content_type not in INLINE_TYPES, filename=filename)
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
