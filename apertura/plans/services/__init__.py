"""Every write to action plans. Views, the API, the CLI and imports all come through here."""

from .assessment import assessment_save
from .plan_import import ImportReport, plan_flag_computed, plan_import
from .versions import plan_snapshot
from .progress import (
    ProgressConflict, evidence_add, milestone_report_progress, progress_report_check, validation_respond,
    validation_submit,
)

__all__ = [
    "ImportReport", "ProgressConflict", "assessment_save", "evidence_add", "milestone_report_progress",
    "plan_flag_computed", "plan_import", "plan_snapshot", "progress_report_check", "validation_respond",
    "validation_submit",
]
