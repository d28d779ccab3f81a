"""Feedback on the plan: comments on commitments and milestones (replies one level deep), and «was this page
useful?»."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.notifications.services import notify

from ..limits import fingerprint, first_time, forget, limit, rate_limit_check
from ..models import TEXT_MAX, PageFeedback, PlanComment, public_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    from apertura.plans.models import Commitment, Milestone


def plan_comment_add(*, by: AuthUser, commitment: Commitment, text: str, milestone: Milestone | None = None,
                     parent: PlanComment | None = None, address: str | None = None) -> PlanComment:
    """Comment on a commitment or one of its milestones, or reply (one level) to a comment there."""
    require("participation.comment_plan", by=by, obj=milestone or commitment,
            why=_("Sign in with a participant account to comment."))
    text = (text or "").strip()
    problems = {}
    if not 2 <= len(text) <= TEXT_MAX:
        problems["text"] = [_("Write a comment of up to %(n)s characters.") % {"n": TEXT_MAX}]
    if milestone is not None and milestone.commitment_id != commitment.pk:
        problems["__all__"] = [_("That milestone belongs to another commitment.")]
    if parent is not None:
        if parent.parent is not None:
            parent = parent.parent  # replies stay one level deep: a reply to a reply joins the thread
        if parent.commitment_id != commitment.pk or parent.milestone_id != (milestone.pk if milestone else None):
            problems["__all__"] = [_("That comment belongs to another page.")]
    if problems:
        raise ValidationError(problems)
    rate_limit_check(action="comment", user=by, address=address)
    print_ = fingerprint(str(commitment.pk), str(milestone.pk if milestone else ""), text)
    since = timezone.now() - timedelta(hours=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS"))
    with transaction.atomic():
        if PlanComment.objects.filter(author=by, fingerprint=print_, created_at__gte=since).exists():
            raise ValidationError(_("You already sent this comment."), code="duplicate")
        comment = PlanComment.objects.create(commitment=commitment, milestone=milestone, parent=parent, author=by,
                                             text=text, fingerprint=print_)
        where = f"milestone {milestone.number}" if milestone else f"commitment {commitment.number}"
        audit_record(action="plan_comment.add", obj_type="plan_comment", obj_id=comment.pk, actor=by,
                     summary=f"Comment on {where} of plan {commitment.plan.slug}"
                             + (f", replying to {parent.pk}" if parent else ""))
        if parent is not None and parent.author is not None and parent.author_id != by.pk:
            recipient, url = parent.author, comment.get_absolute_url()
            title = _("%(name)s replied to your comment") % {"name": public_name(by)}
            transaction.on_commit(lambda: notify(users=[recipient], kind="reply", title=title, body=text, url=url))
    return comment


def page_feedback_record(*, path: str, useful: bool, comment: str = "", user: AuthUser | AnonymousUser | None = None,
                         address: str | None = None) -> PageFeedback:
    """A «was this useful?» answer. Anonymous; only the page, the answer and the optional comment are kept. The
    same answer about the same page from the same person (account, or else network address) is taken once
    within APERTURA_PARTICIPATION_DUPLICATE_HOURS: the check is remembered in the cache, not with the answer."""
    require("participation.give_feedback", by=user)
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or len(path) > 300:
        raise ValidationError({"path": [_("Unknown page.")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": [_("Keep the comment under 500 characters.")]})
    rate_limit_check(action="feedback", user=user, address=address)
    who = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{address or 'unknown'}"
    answer = ("feedback", who, path, "yes" if useful else "no", comment)
    if not first_time(*answer):
        raise ValidationError(_("You already sent this answer about this page. Thank you."), code="duplicate")
    try:
        with transaction.atomic():
            feedback = PageFeedback.objects.create(path=path, useful=useful, comment=comment)
            audit_record(action="page_feedback.add", obj_type="page_feedback", obj_id=feedback.pk,
                         actor_label="anonymous", summary=f"{path} {'useful' if useful else 'not useful'}")
    except BaseException:
        forget(*answer)
        raise
    return feedback
