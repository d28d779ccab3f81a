"""Every read the participation pages, their JSON/CSV twins and the API share, by sub-domain, with their
`select_related`/`prefetch_related`, their orders and their page sizes: views do not query the ORM themselves.
A page size is changed (or, in a test, patched) in the module that owns it."""

from .account import participant_data
from .comments import (
    comment_counts, commitment_get, commitment_milestones, milestone_get, page_feedback_summary, plan_comment_get,
    plan_comment_page, plan_comment_url, plan_comments, plan_comments_page, plan_comments_url,
)
from .consultations import (
    consultation_comment_counts, consultation_comment_csv_records, consultation_comment_get, consultation_comment_page,
    consultation_comments, consultation_detail, consultation_get, consultation_list, consultation_page,
    consultation_report_page, consultation_section_get, consultation_sections,
)
from .forum import forum_member_get, forum_members, meeting_document_get, meeting_get, meeting_list
from .moderation import (
    FOLLOWABLE, REPORTABLE, followable_get, moderation_case_get, moderation_queue, participant_user_get, reportable_get,
)
from .proposals import (
    PROPOSAL_ORDERS, inputs_dashboard, plan_themes, proposal_csv_records, proposal_get, proposal_list, proposal_order,
    proposal_page, proposal_supported_by,
)

__all__ = [
    "FOLLOWABLE", "PROPOSAL_ORDERS", "REPORTABLE", "comment_counts", "commitment_get", "commitment_milestones",
    "consultation_comment_counts", "consultation_comment_csv_records", "consultation_comment_get",
    "consultation_comment_page", "consultation_comments", "consultation_detail", "consultation_get",
    "consultation_list", "consultation_page", "consultation_report_page", "consultation_section_get",
    "consultation_sections", "followable_get", "forum_member_get", "forum_members", "inputs_dashboard",
    "meeting_document_get", "meeting_get", "meeting_list", "milestone_get", "moderation_case_get", "moderation_queue",
    "page_feedback_summary", "participant_data", "participant_user_get", "plan_comment_get", "plan_comment_page",
    "plan_comment_url", "plan_comments", "plan_comments_page", "plan_comments_url", "plan_themes",
    "proposal_csv_records", "proposal_get", "proposal_list", "proposal_order", "proposal_page",
    "proposal_supported_by", "reportable_get",
]
