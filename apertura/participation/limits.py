"""Abuse protections shared by every public submission: rate limits per account and per address (Django's
cache), the honeypot field, and the fingerprint used to refuse duplicate submissions."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def limit(name: str) -> int:
    """A participation limit (APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT …): a Django setting, parsed from the
    environment at start-up with its default (apertura/settings/registry.py), so tests override it there."""
    return int(getattr(settings, name))


def client_address(request) -> str:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or "unknown"


def _bucket(key: str) -> int:
    window = limit("APERTURA_PARTICIPATION_LIMIT_WINDOW")
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def rate_limit_check(*, action: str, user=None, address: str | None = None) -> None:
    """Count one submission; raise a ValidationError once the account or the address is over its limit."""
    over = False
    if user is not None and user.is_authenticated:
        over |= _bucket(f"participation:{action}:user:{user.pk}") > limit("APERTURA_PARTICIPATION_LIMIT_PER_ACCOUNT")
    if address:
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        over |= _bucket(f"participation:{action}:ip:{digest}") > limit("APERTURA_PARTICIPATION_LIMIT_PER_ADDRESS")
    if over:
        minutes = max(1, limit("APERTURA_PARTICIPATION_LIMIT_WINDOW") // 60)
        raise ValidationError(_("You have sent too many contributions in a short time. Please wait up to "
                                "%(minutes)s minutes and try again; what you wrote is kept below.")
                              % {"minutes": minutes}, code="rate_limited")


def fingerprint(*parts: str) -> str:
    normalised = "\x1f".join(" ".join((p or "").split()).casefold() for p in parts)
    return hashlib.sha256(normalised.encode()).hexdigest()


HONEYPOT_FIELD = "website"


def first_time(*parts: str) -> bool:
    """Whether this is the first time, within APERTURA_PARTICIPATION_DUPLICATE_HOURS, that these parts are seen
    together (and remember them): the duplicate check of submissions that keep no author to compare with."""
    key = "participation:seen:" + fingerprint(*parts)[:40]
    return cache.add(key, 1, timeout=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS") * 3600)


def forget(*parts: str) -> None:
    """Undo `first_time` (the submission it let through was not written after all)."""
    cache.delete("participation:seen:" + fingerprint(*parts)[:40])
