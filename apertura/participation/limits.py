"""Abuse protections shared by every public submission: rate limits per account and per address (Django's
cache), the honeypot field, and the fingerprint used to refuse duplicate submissions."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apertura.settings.env import env_int

# Each limit is read from the environment (PARTICIPATION_LIMIT_PER_ACCOUNT=20 …); a Django setting of the same
# name wins over it, so tests and deployments that configure in Python still can. These are the defaults.
DEFAULTS = {
    "PARTICIPATION_LIMIT_PER_ACCOUNT": 10,   # submissions per account per window
    "PARTICIPATION_LIMIT_PER_ADDRESS": 30,   # submissions per IP address per window
    "PARTICIPATION_LIMIT_WINDOW": 3600,      # seconds
    "PARTICIPATION_DUPLICATE_HOURS": 24,     # the same text from the same person within this is refused
    "PARTICIPATION_REPORTS_TO_HIDE": 3,      # reports by different people before an item is hidden
    "PARTICIPATION_DOCUMENT_MAX_MB": 25,     # largest forum meeting document uploaded
}


def limit(name: str) -> int:
    if hasattr(settings, name):
        return int(getattr(settings, name))
    return env_int(name, DEFAULTS[name])


def client_address(request) -> str:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or "unknown"


def _bucket(key: str) -> int:
    window = limit("PARTICIPATION_LIMIT_WINDOW")
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
        over |= _bucket(f"participation:{action}:user:{user.pk}") > limit("PARTICIPATION_LIMIT_PER_ACCOUNT")
    if address:
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        over |= _bucket(f"participation:{action}:ip:{digest}") > limit("PARTICIPATION_LIMIT_PER_ADDRESS")
    if over:
        minutes = max(1, limit("PARTICIPATION_LIMIT_WINDOW") // 60)
        raise ValidationError(_("You have sent too many contributions in a short time. Please wait up to "
                                "%(minutes)s minutes and try again; what you wrote is kept below.")
                              % {"minutes": minutes}, code="rate_limited")


def fingerprint(*parts: str) -> str:
    normalised = "\x1f".join(" ".join((p or "").split()).casefold() for p in parts)
    return hashlib.sha256(normalised.encode()).hexdigest()


HONEYPOT_FIELD = "website"
