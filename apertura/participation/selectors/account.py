"""Reads of one person's own participation: everything kept about them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apertura.notifications.models import Follow, Notification

from ..models import ConsultationComment, Flag, Participant, PlanComment, Proposal, Support

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def participant_data(*, user: User) -> dict:
    """Everything the platform keeps about a person, for them to download (their own texts too, hidden or not:
    this is theirs, not a public record)."""
    participant = Participant.objects.filter(user=user).first()
    return {
        "account": {"username": user.get_username(), "display_name": user.first_name, "email": user.email,
                    "affiliation": participant.affiliation if participant else "",
                    "date_joined": user.date_joined, "last_login": user.last_login,
                    "suspended_at": participant.suspended_at if participant else None},
        "roles": [{"kind": kind, "institution": inst}
                  for kind, inst in user.roles.values_list("kind", "institution__acronym")],
        "proposals": [{"id": p.pk, "plan": p.plan.slug, "title": p.title, "problem": p.problem,
                       "proposal": p.proposal, "status": p.status, "response": p.response,
                       "created_at": p.created_at, "url": p.get_absolute_url()}
                      for p in Proposal.objects.filter(author=user).select_related("plan")],
        "consultation_comments": [{"id": c.pk, "consultation": c.section.consultation.slug,
                                   "section": c.section.title, "text": c.text, "created_at": c.created_at}
                                  for c in ConsultationComment.objects.filter(author=user)
                                  .select_related("section__consultation")],
        "plan_comments": [{"id": c.pk, "plan": c.commitment.plan.slug, "commitment": c.commitment.number,
                           "milestone": c.milestone.number if c.milestone else None, "reply_to": c.parent_id,
                           "text": c.text, "created_at": c.created_at}
                          for c in PlanComment.objects.filter(author=user)
                          .select_related("commitment__plan", "milestone")],
        "reports": [{"id": f.pk, "reason": f.reason, "created_at": f.created_at}
                    for f in Flag.objects.filter(reporter=user)],
        "supports": [{"proposal": s.proposal_id, "created_at": s.created_at}
                     for s in Support.objects.filter(user=user)],
        "follows": [{"type": f.content_type.model, "id": f.object_id, "created_at": f.created_at}
                    for f in Follow.objects.filter(user=user).select_related("content_type")],
        "notifications": [{"title": n.title, "body": n.body, "url": n.url, "created_at": n.created_at,
                           "read_at": n.read_at} for n in Notification.objects.filter(user=user)],
    }

