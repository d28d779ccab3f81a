from django.db.models import QuerySet

from .models import Institution


def institution_list(*, kind: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("acronym")


def institution_get(*, slug: str) -> Institution:
    return Institution.objects.get(slug=slug)


def institution_find(*, pk: object) -> Institution | None:
    """The institution with this key, or None (a key from a form may be anything, or nothing)."""
    try:
        return Institution.objects.filter(pk=int(str(pk))).first() if pk not in (None, "") else None
    except ValueError:
        return None
