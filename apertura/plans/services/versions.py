from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record

from ..formats.plan_export import plan_to_data
from ..models import Plan, PlanVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def plan_snapshot(*, plan: Plan, by: "User", label: str, note: str = "") -> PlanVersion:
    """Keep the plan as it stands now as a named version, to compare later versions against."""
    require("plans.manage", by=by, obj=plan, why=_("Only administrators record plan versions."))
    label = label.strip()
    if not label:
        raise ValidationError({"label": _("Name the version, e.g. «June 2024 revision».")})
    if plan.versions.filter(label=label).exists():
        raise ValidationError({"label": _("This plan already has a version called «%(label)s».") % {"label": label}})
    with transaction.atomic():
        version = PlanVersion.objects.create(plan=plan, label=label, note=note.strip(), date=timezone.localdate(),
                                             data=plan_to_data(plan), created_by=by)
        audit_record(action="plan.snapshot", obj_type="plan", obj_id=plan.slug, actor=by, summary=label,
                     data={"version": version.pk})
    return version
