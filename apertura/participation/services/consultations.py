"""Consultations: a document put to comment section by section, the organizers' responses, the summary report."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apertura.accounts.permissions import require
from apertura.audit.services import audit_record
from apertura.notifications.services import announce_change, follow_set

from ..limits import fingerprint, limit, rate_limit_check
from ..models import TEXT_MAX, Consultation, ConsultationComment, ConsultationResponse, ConsultationSection

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User as AuthUser

    from apertura.plans.models import Plan


def split_sections(document: str, *, first_title: str) -> list[tuple[str, str]]:
    """A Markdown document cut at its level-2 headings (`## Title`); text before the first is its own section."""
    sections: list[tuple[str, list[str]]] = [(first_title, [])]
    for line in (document or "").splitlines():
        if line.startswith("## "):
            sections.append((line[3:].strip()[:200] or first_title, []))
        else:
            sections[-1][1].append(line)
    result = [(title, "\n".join(lines).strip()) for title, lines in sections]
    return [(t, x) for i, (t, x) in enumerate(result) if x or i > 0] or [(first_title, "")]


def consultation_create(*, by: AuthUser, title: str, purpose: str, opens_at: dt.datetime, closes_at: dt.datetime,
                        document: str, plan: Plan | None = None) -> Consultation:
    require("participation.organize", by=by, why=_("Only administrators organize consultations."))
    base = slugify(title)[:70] or "consultation"
    slug, n = base, 1
    while Consultation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    item = Consultation(plan=plan, slug=slug, title=(title or "").strip(), purpose=(purpose or "").strip(),
                        opens_at=opens_at, closes_at=closes_at, created_by=by)
    item.full_clean()
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": [_("A consultation closes after it opens.")]})
    sections = split_sections(document, first_title=str(_("Introduction")))
    with transaction.atomic():
        item.save()
        ConsultationSection.objects.bulk_create(
            ConsultationSection(consultation=item, order=i, title=t, text=x) for i, (t, x) in enumerate(sections, 1))
        audit_record(action="consultation.create", obj_type="consultation", obj_id=item.pk, actor=by,
                     summary=f"Consultation «{item.title}» created",
                     data={"slug": slug, "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
                           "sections": [t for t, _x in sections]})
    return item


def consultation_comment(*, by: AuthUser, section: ConsultationSection, text: str,
                         address: str | None = None) -> ConsultationComment:
    consultation = section.consultation
    require("participation.comment_consultation", by=by, obj=consultation,
            why=_("Comments are taken only while the consultation is open, from signed-in participants."))
    text = (text or "").strip()
    if not 2 <= len(text) <= TEXT_MAX:
        raise ValidationError({"text": [_("Write a comment of up to %(n)s characters.") % {"n": TEXT_MAX}]})
    rate_limit_check(action="comment", user=by, address=address)
    print_ = fingerprint(str(section.pk), text)
    since = timezone.now() - timedelta(hours=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS"))
    with transaction.atomic():
        if ConsultationComment.objects.filter(author=by, fingerprint=print_, created_at__gte=since).exists():
            raise ValidationError(_("You already sent this comment."), code="duplicate")
        comment = ConsultationComment.objects.create(section=section, author=by, text=text, fingerprint=print_)
        audit_record(action="consultation.comment", obj_type="consultation_comment", obj_id=comment.pk,
                     actor=by, summary=f"Comment on «{consultation.title}», section {section.order}")
        follow_set(user=by, target=consultation, following=True)
    return comment


def consultation_respond(*, by: AuthUser, consultation: Consultation, comments: Iterable[ConsultationComment],
                         text: str) -> ConsultationResponse:
    """Answer one comment or a group of comments, once the consultation has closed."""
    require("participation.organize", by=by, obj=consultation, why=_("Only administrators answer consultations."))
    text = (text or "").strip()
    comments = list(comments)
    problems = {}
    if consultation.phase(timezone.now()) != "closed":
        problems["__all__"] = [_("Comments are answered once the consultation has closed.")]
    if len(text) < 20:
        problems["text"] = [_("Write a reasoned response (at least 20 characters).")]
    if not comments:
        problems["comments"] = [_("Choose the comments this response answers.")]
    elif any(c.section.consultation_id != consultation.pk for c in comments):
        problems["comments"] = [_("Those comments belong to another consultation.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        response = ConsultationResponse.objects.create(consultation=consultation, text=text, author=by)
        ConsultationComment.objects.filter(pk__in=[c.pk for c in comments]).update(response=response)
        audit_record(action="consultation.respond", obj_type="consultation", obj_id=consultation.pk, actor=by,
                     summary=f"Response to {len(comments)} comment(s) on «{consultation.title}»",
                     data={"comments": [c.pk for c in comments], "text": text})
        announce_change(target=consultation, actor=by,
                        title=_("Your comments on «%(title)s» were answered") % {"title": consultation.title[:150]},
                        body=text, url=consultation.get_absolute_url())
    return response


def consultation_publish_summary(*, by: AuthUser, consultation: Consultation, summary: str) -> Consultation:
    require("participation.organize", by=by, obj=consultation, why=_("Only administrators answer consultations."))
    summary = (summary or "").strip()
    if consultation.phase(timezone.now()) != "closed":
        raise ValidationError(_("The summary is published once the consultation has closed."))
    if len(summary) < 20:
        raise ValidationError({"summary": [_("Write the summary (at least 20 characters).")]})
    with transaction.atomic():
        item = Consultation.objects.select_for_update().get(pk=consultation.pk)
        item.summary, item.summary_published_at = summary, timezone.now()
        item.save(update_fields=["summary", "summary_published_at"])
        audit_record(action="consultation.summary", obj_type="consultation", obj_id=item.pk, actor=by,
                     summary=f"Summary report of «{item.title}» published", data={"summary": summary})
        announce_change(target=item, actor=by,
                        title=_("The summary report of «%(title)s» is published") % {"title": item.title[:150]},
                        url=reverse("participation:consultation_report", args=[item.slug]))
    return item
