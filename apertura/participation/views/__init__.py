"""Participation pages, by sub-domain: thin — parse, call a service or a selector, render (or answer with the
page's JSON or CSV twin, built from participation/schemas.py)."""

from .account import account, account_data, account_delete, follow
from .comments import commitment_comments, milestone_comments, page_feedback, page_feedback_results, plan_comment_link
from .consultations import (
    consultation_comment, consultation_comment_link, consultation_detail, consultation_list, consultation_new,
    consultation_report, consultation_respond,
)
from .forum import (
    forum, forum_member_edit, forum_member_new, meeting_detail, meeting_document, meeting_document_add,
    meeting_document_remove, meeting_edit, meeting_new, scorecard,
)
from .moderation import moderation_decide, moderation_queue, participant_suspend, report
from .proposals import (
    index, inputs_dashboard, proposal_detail, proposal_list, proposal_new, proposal_respond, proposal_support,
)
from .registration import register, register_confirm

__all__ = [
    "account", "account_data", "account_delete", "commitment_comments", "consultation_comment",
    "consultation_comment_link", "consultation_detail", "consultation_list", "consultation_new",
    "consultation_report", "consultation_respond", "follow", "forum", "forum_member_edit", "forum_member_new",
    "index", "inputs_dashboard", "meeting_detail", "meeting_document", "meeting_document_add",
    "meeting_document_remove", "meeting_edit", "meeting_new", "milestone_comments", "moderation_decide",
    "moderation_queue", "page_feedback", "page_feedback_results", "participant_suspend", "plan_comment_link",
    "proposal_detail", "proposal_list", "proposal_new", "proposal_respond", "proposal_support", "register",
    "register_confirm", "report", "scorecard",
]
