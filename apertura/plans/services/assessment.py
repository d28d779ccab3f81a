from typing import TYPE_CHECKING, Any

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction

from apertura.audit.services import audit_record

from ..models import Assessment, Commitment

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def assessment_save(*, commitment: Commitment, by: "User", values: dict[str, Any]) -> Assessment:
    """Record or revise the independent assessment of a commitment; the history keeps every revision."""
    if not rules.has_perm("plans.assess", by, commitment):
        audit_record(action="assessment.save.refused", obj_type="commitment", obj_id=commitment.pk, actor=by)
        raise PermissionDenied("only independent reviewers assess commitments")
    assessment = Assessment.objects.filter(commitment=commitment).first() or Assessment(commitment=commitment)
    for name, value in values.items():
        setattr(assessment, name, value)
    assessment.reviewer = by
    assessment.full_clean()
    assessment.save()
    audit_record(action="assessment.save", obj_type="commitment", obj_id=commitment.pk, actor=by,
                 data={name: str(getattr(assessment, name)) for name in Assessment.INDICATORS})
    return assessment
