from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.simple_tag
def wait_until(delta: timedelta | None):
    """When a wait of `delta` starting now ends, and how long that is in words ("1 hour", "1 hora")."""
    if not delta:
        return None
    now = timezone.now()
    return {"at": now + delta, "words": timeuntil(now + delta, now)}
