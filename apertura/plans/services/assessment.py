from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record

from ..models import Assessment, Commitment

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def assessment_save(*, commitment: Commitment, by: "User", values: dict[str, Any]) -> Assessment:
    """Record or revise the independent assessment of a commitment; the history keeps every revision."""
    require("plans.assess", by=by, obj=commitment, why=_("Only independent reviewers assess commitments."))
    with transaction.atomic():
        assessment = Assessment.objects.filter(commitment=commitment).first() or Assessment(commitment=commitment)
        for name, value in values.items():
            setattr(assessment, name, value)
        assessment.reviewer = by
        assessment.full_clean()
        assessment.save()
        audit_record(action="assessment.save", obj_type="commitment", obj_id=commitment.pk, actor=by,
                     data={name: str(getattr(assessment, name)) for name in Assessment.INDICATORS})
    return assessment
