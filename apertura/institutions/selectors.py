from django.db.models import Count, Q, QuerySet

from .models import Institution


def institution_list(*, kind: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.annotate(
        led_count=Count("led_commitments", distinct=True),
        milestone_count=Count("milestones", distinct=True),
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("acronym")


def institution_get(*, slug: str) -> Institution:
    return Institution.objects.get(slug=slug)


def institution_involved_q(institution: Institution) -> Q:
    """Commitments an institution leads, supports, partners in, or holds a milestone of."""
    return (
        Q(lead=institution)
        | Q(supporting_institutions=institution)
        | Q(civil_society=institution)
        | Q(milestones__responsible=institution)
    )
