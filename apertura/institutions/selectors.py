from django.db.models import QuerySet

from .models import Institution


def institution_list(*, kind: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("acronym")


def institution_get(*, slug: str) -> Institution:
    return Institution.objects.get(slug=slug)
