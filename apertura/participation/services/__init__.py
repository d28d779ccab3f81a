"""Every write of co-creation and participation, by sub-domain. Views, the API and the CLI call these; none writes
the models directly. Each checks its permission with `require` (which audits a refusal) before it opens its
transaction, and each public submission passes the rate limits, the duplicate check and (in its form) the
honeypot of `..limits`."""

from .account import participant_delete, participant_profile_update
from .comments import page_feedback_record, plan_comment_add
from .consultations import (
    consultation_comment, consultation_create, consultation_publish_summary, consultation_respond, split_sections,
)
from .forum import (
    forum_member_add, forum_member_update, meeting_document_add, meeting_document_remove, meeting_record,
)
from .moderation import MODERATED, content_report, moderation_decide, participant_suspend
from .proposals import proposal_respond, proposal_submit, proposal_support
from .registration import (
    REGISTRATION_SALT, participant_confirm, participant_profile_create, participant_register, registration_link,
)

__all__ = [
    "MODERATED", "REGISTRATION_SALT", "consultation_comment", "consultation_create", "consultation_publish_summary",
    "consultation_respond", "content_report", "forum_member_add", "forum_member_update", "meeting_document_add",
    "meeting_document_remove", "meeting_record", "moderation_decide", "page_feedback_record", "participant_confirm",
    "participant_delete", "participant_profile_create", "participant_profile_update", "participant_register",
    "participant_suspend", "plan_comment_add", "proposal_respond", "proposal_submit", "proposal_support",
    "registration_link", "split_sections",
]
