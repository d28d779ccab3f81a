import datetime as dt

from django.db.models import Prefetch

from apertura.accounts.models import Role, RoleKind
from apertura.plans.models import Milestone, Plan, ProgressReport
from apertura.plans.tracking import Flag, track_milestone


def deadline_digests(*, today: dt.date, days: int):
    """(editor, rows) for every editor with milestones due within `days` days or overdue and unfinished."""
    horizon = today + dt.timedelta(days=days)
    milestones = (Milestone.objects.filter(end__isnull=False, end__lte=horizon)
                  .exclude(commitment__plan__status=Plan.Status.ENDED)  # an ended plan is assessed, not chased
                  .select_related("commitment__plan").prefetch_related(
                      "responsible", Prefetch("reports", queryset=ProgressReport.objects.prefetch_related(
                          "validations"))))
    by_institution: dict[int, list[dict]] = {}
    for milestone in milestones:
        end = milestone.end_date
        if end.last_day() > horizon:  # "July 2022" is due on 31 July
            continue
        track = track_milestone(milestone, today)
        if track.flag in (Flag.COMPLETED, Flag.CANCELLED):
            continue
        for institution in milestone.responsible.all():
            by_institution.setdefault(institution.pk, []).append({
                "number": milestone.number, "institution": institution.acronym, "end": end.isoformat(),
                "overdue": end.last_day() < today, "reported": track.reported,
                "url": milestone.get_absolute_url()})
    editors = (Role.objects.filter(kind=RoleKind.EDITOR, institution_id__in=by_institution)
               .select_related("user").order_by("user_id"))
    per_user: dict[int, tuple] = {}
    for role in editors:
        user, rows = per_user.setdefault(role.user_id, (role.user, []))
        rows.extend(by_institution[role.institution_id])
    return [(user, rows) for user, rows in per_user.values() if user.is_active]


def unread_count(user) -> int:
    return user.notifications.filter(read_at=None).count() if user.is_authenticated else 0


