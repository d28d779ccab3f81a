from .dashboard import plan_dashboard
from .progress import assessment_edit, evidence_download, milestone_detail
from .public import commitment_detail, commitment_follow, home, plan_detail, plan_download, plan_list, search
from .versions import commitment_history, plan_versions

__all__ = [
    "assessment_edit", "commitment_detail", "commitment_follow", "commitment_history", "evidence_download", "home",
    "milestone_detail", "plan_detail",
    "plan_dashboard", "plan_download", "plan_list", "plan_versions", "search",
]
