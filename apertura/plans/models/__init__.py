from .assessment import Assessment
from .progress import Evidence, ProgressReport, ProgressStatus, Validation, ValidationResponse
from .structure import (
    OGP_VALUE_CODES, OGP_VALUES, Commitment, Contact, Milestone, Plan, PlanVersion, QualityFlag, RevisionNote,
    Theme,
)

__all__ = [
    "OGP_VALUES", "OGP_VALUE_CODES", "Assessment", "Commitment", "Contact", "Evidence", "Milestone", "Plan",
    "PlanVersion", "ProgressReport", "ProgressStatus", "QualityFlag", "RevisionNote", "Theme", "Validation",
    "ValidationResponse",
]
