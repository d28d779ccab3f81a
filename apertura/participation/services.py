"""Every write of co-creation and participation. Views call these; none writes the models directly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

import hashlib

import rules
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.urls import reverse
from django.utils.translation import gettext as _

from apertura.accounts.services import new_user_problems
from apertura.audit.services import audit_record
from apertura.common.uploads import check_upload
from apertura.notifications.models import Follow, Notification
from apertura.notifications.services import announce_change, follow_set, notify

from .limits import fingerprint, limit, rate_limit_check
from .models import (
    CLOSED_STATUSES, TEXT_MAX, Consultation, ConsultationComment, ConsultationResponse, ConsultationSection, Flag,
    ForumMember, Meeting, MeetingDecision, MeetingDocument, ModerationCase, ModerationStatus, PageFeedback,
    Participant, PlanComment, Proposal, ProposalEvent, ProposalStatus, Support, public_name,
)

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import Model

    from apertura.institutions.models import Institution
    from apertura.plans.models import Commitment, Milestone, Plan, Theme


User = get_user_model()


def _require(perm: str, user: AuthUser | AnonymousUser | None, obj: object = None, message: str | None = None) -> None:
    if not rules.has_perm(perm, user, obj):
        raise PermissionDenied(message or _("You may not do this."))


# Participants --------------------------------------------------------------------------------------------

def participant_profile_create(*, user: AuthUser, affiliation: str = "") -> Participant:
    """The participation side of a new self-registered account (called by `participant_register`)."""
    affiliation = (affiliation or "").strip()
    if len(affiliation) > 200:
        raise ValidationError({"affiliation": [_("Keep the affiliation under 200 characters.")]})
    with transaction.atomic():
        participant, _created = Participant.objects.update_or_create(user=user,
                                                                     defaults={"affiliation": affiliation})
        audit_record(action="participant.create", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"{user.get_username()} registered as a participant")
    return participant


# Self-registration: the account (inactive until the e-mailed link confirms the address) and its participant
# profile. The tokens' salt keeps its old name so that links mailed before the move still work.

REGISTRATION_SALT = "apertura.accounts.registration"


def registration_link(token: str, *, site_url: str | None = None) -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("accounts:register_confirm", args=[token])


def participant_register(*, email: str, username: str, display_name: str, password: str, affiliation: str = "",
                         site_url: str | None = None) -> AbstractBaseUser | None:
    """Create a participant's account, inactive until the e-mailed link confirms the address.

    When the address already has an account, or the user name is taken, nothing is created and the address is
    told why by e-mail. The page says the same thing in every case, so nobody learns from it which addresses or
    user names have an account: only the owner of the mailbox does. Returns the new user or None.
    """
    email = User.objects.normalize_email((email or "").strip())
    user = User(username=(username or "").strip(), email=email, first_name=(display_name or "").strip(),
                is_active=False)
    problems = new_user_problems(user, password, check_unique=False)
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = [_("«%(email)s» is not an e-mail address.") % {"email": email}]
    if problems:
        raise ValidationError(problems)
    context = {"site_name": settings.SITE_NAME, "email": email}
    if User.objects.filter(email__iexact=email).exists():
        context["login"] = (site_url or settings.SITE_URL).rstrip("/") + reverse("accounts:password_reset")
        send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
                  render_to_string("accounts/register_exists_email.txt", context), None, [email])
        audit_record(action="user.register_existing", obj_type="email", obj_id=email,
                     summary="Registration attempted for an address that has an account")
        return None
    if User.objects.filter(username=user.username).exists():
        _registration_name_taken(user, context, site_url)
        return None
    with transaction.atomic():
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # taken between the check and the save
            _registration_name_taken(user, context, site_url)
            return None
        participant_profile_create(user=user, affiliation=affiliation)
        audit_record(action="user.register", obj_type="user", obj_id=user.pk, actor_label="registration",
                     summary=f"Account {user.username} registered, awaiting e-mail confirmation",
                     data={"username": user.username})
        token = signing.dumps({"u": user.pk, "e": email}, salt=REGISTRATION_SALT)
        context["link"] = registration_link(token, site_url=site_url)
        context["days"] = settings.INVITATION_VALID_DAYS
        send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
                  render_to_string("accounts/register_email.txt", context), None, [email])
    return user


def _registration_name_taken(user: AuthUser, context: dict, site_url: str | None) -> None:
    context = {**context, "username": user.username,
               "register": (site_url or settings.SITE_URL).rstrip("/") + reverse("accounts:register")}
    send_mail(render_to_string("accounts/register_subject.txt", context).strip(),
              render_to_string("accounts/register_name_taken_email.txt", context), None, [user.email])
    audit_record(action="user.register_name_taken", obj_type="email", obj_id=user.email,
                 summary="Registration attempted with a user name that is taken")
    return None


def participant_confirm(*, token: str) -> AbstractBaseUser:
    """Activate the account whose e-mail address the link proves, or a ValidationError saying why not."""
    try:
        data = signing.loads(token or "", salt=REGISTRATION_SALT,
                             max_age=timedelta(days=settings.INVITATION_VALID_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(_("This confirmation link has expired. Register again."), code="expired") from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is not valid. Check that you copied all of it."),
                              code="unknown") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("u"), email__iexact=data.get("e", "")).first()
        if user is None or not user.has_usable_password():
            raise ValidationError(_("This confirmation link is not valid. Check that you copied all of it."),
                                  code="unknown")
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit_record(action="user.confirm", obj_type="user", obj_id=user.pk, actor=user,
                         summary=f"{user.username} confirmed their e-mail address")
    return user


def participant_profile_update(*, user: AuthUser, display_name: str, affiliation: str = "") -> None:
    """Change the public display name and the private affiliation."""
    display_name, affiliation = (display_name or "").strip(), (affiliation or "").strip()
    problems = {}
    if not display_name or len(display_name) > 150:
        problems["display_name"] = [_("Write the name other people will see (up to 150 characters).")]
    if len(affiliation) > 200:
        problems["affiliation"] = [_("Keep the affiliation under 200 characters.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        before = user.first_name
        user.first_name = display_name
        user.save(update_fields=["first_name"])
        Participant.objects.update_or_create(user=user, defaults={"affiliation": affiliation})
        audit_record(action="participant.update", obj_type="user", obj_id=user.pk, actor=user,
                     summary=f"{user.get_username()} updated their profile",
                     data={"display_name_before": before, "display_name": display_name})


def participant_delete(*, user: AuthUser) -> None:
    """Delete a person's personal data. Their public contributions stay, shown without a name.

    The account row itself stays (the audit log points at it) but keeps nothing personal and cannot sign in."""
    if user.roles.exists() or user.is_superuser:
        raise ValidationError(_("Accounts that hold a role (administrators, editors, monitors, reviewers) are "
                                "closed by an administrator, who first hands the role over."))
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        old_username = locked.get_username()
        audit_record(action="participant.delete", obj_type="user", obj_id=locked.pk, actor=locked,
                     summary=f"{old_username} deleted their personal data")
        locked.username = f"deleted-{locked.pk}-{get_random_string(8)}"
        locked.first_name = locked.last_name = locked.email = ""
        locked.is_active = False
        locked.set_unusable_password()
        locked.save()
        Follow.objects.filter(user=locked).delete()
        Notification.objects.filter(user=locked).delete()
        Support.objects.filter(user=locked).delete()
        Participant.objects.update_or_create(user=locked, defaults={"affiliation": "",
                                                                    "deleted_at": timezone.now()})


# Proposals -----------------------------------------------------------------------------------------------

def proposal_submit(*, by: AuthUser, plan: Plan, title: str, problem: str, proposal: str, theme: Theme | None = None,
                    institution: Institution | None = None, department: str = "",
                    address: str | None = None) -> Proposal:
    _require("participation.submit", by, message=_("Sign in with a participant account to submit a proposal."))
    if theme is not None and theme.plan_id != plan.pk:
        raise ValidationError({"theme": [_("That theme belongs to another plan.")]})
    rate_limit_check(action="proposal", user=by, address=address)
    print_ = fingerprint(title, problem, proposal)
    since = timezone.now() - timedelta(hours=limit("APERTURA_PARTICIPATION_DUPLICATE_HOURS"))
    with transaction.atomic():
        if Proposal.objects.filter(author=by, fingerprint=print_, created_at__gte=since).exists():
            raise ValidationError(_("You already sent this proposal. It is in the list; there is no need to send "
                                    "it again."), code="duplicate")
        item = Proposal(plan=plan, author=by, title=(title or "").strip(), problem=(problem or "").strip(),
                        proposal=(proposal or "").strip(), theme=theme, institution=institution,
                        department=department or "", fingerprint=print_)
        item.full_clean(exclude=["fingerprint"])
        item.save()
        ProposalEvent.objects.create(proposal=item, status=item.status)
        audit_record(action="proposal.submit", obj_type="proposal", obj_id=item.pk, actor=by,
                     summary=f"Proposal {item.pk} submitted for plan {plan.slug}",
                     data={"title": item.title, "department": item.department,
                           "theme": theme.code if theme else None,
                           "institution": institution.acronym if institution else None})
        follow_set(user=by, target=item, following=True)
    return item


def proposal_support(*, by: AuthUser, proposal: Proposal, supporting: bool = True) -> bool:
    _require("participation.support", by, proposal, _("You cannot support this proposal."))
    with transaction.atomic():
        if supporting:
            try:
                with transaction.atomic():
                    Support.objects.create(proposal=proposal, user=by)
            except IntegrityError:
                return True
        elif not Support.objects.filter(proposal=proposal, user=by).delete()[0]:
            return False
        audit_record(action="proposal.support" if supporting else "proposal.unsupport", obj_type="proposal",
                     obj_id=proposal.pk, actor=by)
    return supporting


def proposal_respond(*, by: AuthUser, proposal: Proposal, status: str, response: str = "",
                     commitment: Commitment | None = None, milestone: Milestone | None = None,
                     merged_into: Proposal | None = None) -> Proposal:
    """Move a proposal along its workflow. Closing it (incorporated, merged, not adopted) needs a public,
    reasoned response; incorporating needs the commitment or milestone it became; merging, the proposal."""
    _require("participation.answer", by, proposal, _("Only administrators answer proposals."))
    response = (response or "").strip()
    problems: dict[str, list[str]] = {}
    if status not in ProposalStatus.values:
        problems["status"] = [_("Choose a status.")]
    if status in CLOSED_STATUSES and len(response) < 20:
        problems["response"] = [_("Closing a proposal needs a public, reasoned response (at least 20 "
                                  "characters) saying why.")]
    if status == ProposalStatus.INCORPORATED:
        if milestone is not None and commitment is None:
            commitment = milestone.commitment
        if commitment is None:
            problems["commitment"] = [_("Say which commitment or milestone the proposal became.")]
        elif commitment.plan_id != proposal.plan_id or (milestone and milestone.commitment_id != commitment.pk):
            problems["commitment"] = [_("The commitment and milestone must belong to the proposal's plan.")]
    else:
        commitment = milestone = None
    if status == ProposalStatus.MERGED:
        if merged_into is None:
            problems["merged_into"] = [_("Say which proposal it was merged into.")]
        elif merged_into.pk == proposal.pk or merged_into.plan_id != proposal.plan_id:
            problems["merged_into"] = [_("Merge it into another proposal of the same plan.")]
    else:
        merged_into = None
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        item = Proposal.objects.select_for_update().get(pk=proposal.pk)
        before = item.status
        item.status, item.commitment, item.milestone, item.merged_into = status, commitment, milestone, merged_into
        if response:
            item.response, item.responded_by, item.responded_at = response, by, timezone.now()
        item.save()
        ProposalEvent.objects.create(proposal=item, status=status, response=response)
        audit_record(action="proposal.respond", obj_type="proposal", obj_id=item.pk, actor=by,
                     summary=f"Proposal {item.pk}: {before} → {status}",
                     data={"from": before, "to": status, "response": response,
                           "commitment": commitment.number if commitment else None,
                           "milestone": milestone.number if milestone else None,
                           "merged_into": merged_into.pk if merged_into else None})
        announce_change(target=item, actor=by,
                        title=_("Your proposal «%(title)s» is now: %(status)s")
                        % {"title": item.title[:120], "status": item.get_status_display()},
                        body=response, url=item.get_absolute_url())
    return item


# Consultations -------------------------------------------------------------------------------------------

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
    _require("participation.organize", by, message=_("Only administrators organize consultations."))
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
    _require("participation.comment_consultation", by, consultation,
             _("Comments are taken only while the consultation is open, from signed-in participants."))
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
    _require("participation.organize", by, message=_("Only administrators answer consultations."))
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
    _require("participation.organize", by, message=_("Only administrators answer consultations."))
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


# Moderation ----------------------------------------------------------------------------------------------

MODERATED = (Proposal, ConsultationComment, PlanComment)


def _reporter_key(by: AuthUser | AnonymousUser | None, address: str | None) -> str:
    if by is not None and by.is_authenticated:
        return f"user:{by.pk}"
    return "ip:" + hashlib.sha256((address or "unknown").encode()).hexdigest()[:40]


def _set_hidden(target: Proposal | ConsultationComment | PlanComment, hidden: bool) -> None:
    type(target).objects.filter(pk=target.pk).update(hidden=hidden)
    target.hidden = hidden


def content_report(*, by: AuthUser | AnonymousUser | None, target: Model, reason: str,
                   address: str | None = None) -> ModerationCase:
    """Anyone reports a contribution. After APERTURA_PARTICIPATION_REPORTS_TO_HIDE reports by different people it
    is hidden pending review, unless a moderator already decided to keep it."""
    if not isinstance(target, MODERATED):
        raise ValidationError(_("This cannot be reported."))
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 1000:
        raise ValidationError({"reason": [_("Say briefly what is wrong (up to 1,000 characters).")]})
    rate_limit_check(action="report", user=by, address=address)
    content_type = ContentType.objects.get_for_model(target)
    key = _reporter_key(by, address)
    with transaction.atomic():
        case, _created = ModerationCase.objects.select_for_update().get_or_create(
            content_type=content_type, object_id=target.pk)
        if Flag.objects.filter(case=case, reporter_key=key).exists():
            return case
        Flag.objects.create(case=case, reporter=by if by is not None and by.is_authenticated else None,
                            reporter_key=key, reason=reason)
        case.report_count = case.flags.count()
        hide = (case.status == ModerationStatus.OPEN
                and case.report_count >= limit("APERTURA_PARTICIPATION_REPORTS_TO_HIDE"))
        if hide:
            case.status = ModerationStatus.HIDDEN
            _set_hidden(target, True)
        case.save()
        audit_record(action="moderation.report", obj_type=content_type.model, obj_id=target.pk, actor=by,
                     actor_label="" if by is not None and by.is_authenticated else "anonymous",
                     summary=f"{content_type.model} {target.pk} reported ({case.report_count})"
                             + (", hidden pending review" if hide else ""),
                     data={"reason": reason, "reports": case.report_count, "hidden": hide})
    return case


def moderation_decide(*, by: AuthUser, case: ModerationCase, keep: bool, reason: str) -> ModerationCase:
    """A moderator keeps the contribution visible or hides it; the reason is kept, and the placeholder says so."""
    _require("participation.moderate", by, message=_("Only moderators decide on reports."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Write the reason for the decision; it is kept in the log.")]})
    with transaction.atomic():
        case = ModerationCase.objects.select_for_update().get(pk=case.pk)
        target = case.target
        case.status = ModerationStatus.KEPT if keep else ModerationStatus.REMOVED
        case.decided_by, case.decided_at, case.reason = by, timezone.now(), reason
        case.save()
        if target is not None:
            _set_hidden(target, not keep)
        audit_record(action="moderation.decide", obj_type=case.content_type.model, obj_id=case.object_id,
                     actor=by, summary=f"{case.content_type.model} {case.object_id}: {case.status}",
                     data={"decision": case.status, "reason": reason, "reports": case.report_count})
    return case


def participant_suspend(*, by: AuthUser, user: AuthUser, suspended: bool, reason: str = "") -> Participant:
    """Suspend a participant (they can read but not contribute) or lift the suspension; always with a reason."""
    _require("participation.moderate", by, message=_("Only moderators suspend participants."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Write the reason; it is kept in the log.")]})
    if user.pk == by.pk:
        raise ValidationError(_("You cannot suspend yourself."))
    with transaction.atomic():
        participant, _created = Participant.objects.select_for_update().get_or_create(user=user)
        participant.suspended_at = timezone.now() if suspended else None
        participant.suspended_reason = reason
        participant.save()
        audit_record(action="participant.suspend" if suspended else "participant.unsuspend", obj_type="user",
                     obj_id=user.pk, actor=by,
                     summary=f"{user.get_username()} {'suspended' if suspended else 'no longer suspended'}",
                     data={"reason": reason})
    return participant


# The multi-stakeholder forum -----------------------------------------------------------------------------

def forum_member_add(*, by: AuthUser, name: str, institution: Institution, since: dt.date,
                     alternate_of: ForumMember | None = None, until: dt.date | None = None) -> ForumMember:
    _require("participation.manage_forum", by, message=_("Only administrators keep the forum's records."))
    member = ForumMember(name=(name or "").strip(), institution=institution, since=since, until=until,
                         alternate_of=alternate_of)
    member.full_clean()
    _check_seat(member)
    with transaction.atomic():
        member.save()
        audit_record(action="forum.member_add", obj_type="forum_member", obj_id=member.pk, actor=by,
                     summary=f"{member.name} joined the forum for {institution.acronym}"
                             + (" as an alternate" if alternate_of else ""),
                     data={"institution": institution.acronym, "since": str(since),
                           "alternate_of": alternate_of.pk if alternate_of else None})
    return member


def _check_seat(member: ForumMember) -> None:
    """The rules of a seat: an alternate stands in for a full member of the same institution, and a membership
    ends after it starts."""
    problems = {}
    principal = member.alternate_of
    if principal is not None:
        if principal.pk == member.pk or principal.alternate_of_id is not None:
            problems["alternate_of"] = [_("An alternate stands in for a full member, not for another alternate.")]
        elif principal.institution_id != member.institution_id:
            problems["alternate_of"] = [_("An alternate represents the same institution.")]
        elif member.pk and member.alternates.exists():
            problems["alternate_of"] = [_("This member has alternates of their own, so cannot be an alternate.")]
    if member.pk and member.alternates.exclude(institution_id=member.institution_id).exists():
        problems["institution"] = [_("This member's alternates represent another institution: change theirs "
                                     "first, or end their seats.")]
    if member.until is not None and member.until < member.since:
        problems["until"] = [_("A membership ends after it starts.")]
    if problems:
        raise ValidationError(problems)


def _seat_data(member: ForumMember) -> dict:
    return {"name": member.name, "institution": member.institution.acronym, "since": str(member.since),
            "until": str(member.until) if member.until else None, "alternate_of": member.alternate_of_id}


def forum_member_update(*, by: AuthUser, member: ForumMember, name: str, institution: Institution, since: dt.date,
                        until: dt.date | None = None, alternate_of: ForumMember | None = None) -> ForumMember:
    """Correct or change a seat (name, institution, alternate, dates). Ending a full member's membership ends
    that of their alternates still seated after it, on the same date."""
    _require("participation.manage_forum", by, message=_("Only administrators keep the forum's records."))
    with transaction.atomic():
        member = ForumMember.objects.select_for_update().select_related("institution").get(pk=member.pk)
        before = _seat_data(member)
        member.name, member.institution, member.since = (name or "").strip(), institution, since
        member.until, member.alternate_of = until, alternate_of
        member.full_clean()
        _check_seat(member)
        member.save()
        ended = []
        if until is not None:
            for alternate in member.alternates.filter(Q(until=None) | Q(until__gt=until)):
                alternate.until = until
                alternate.save(update_fields=["until"])
                ended.append(alternate.pk)
        audit_record(action="forum.member_update", obj_type="forum_member", obj_id=member.pk, actor=by,
                     summary=f"Forum seat of {member.name} ({institution.acronym}) updated"
                             + (f"; membership ends {until}" if until else ""),
                     data={"before": before, "after": _seat_data(member), "alternates_ended": ended})
    return member


def meeting_record(*, by: AuthUser, date: dt.date, kind: str, agenda: str, place: str = "", link: str = "",
                   minutes: str = "", attendees: Iterable[ForumMember] = (),
                   decisions: Iterable[tuple[str, str | None]] = (), documents: Iterable[tuple[str, str]] = (),
                   plan: Plan | None = None, meeting: Meeting | None = None) -> Meeting:
    """Record a forum meeting with its attendance, decisions (text, owner) and linked documents (title, link);
    given `meeting`, update it (minutes usually come after the meeting), replacing its attendance, decisions and
    linked documents with those given. Uploaded documents stay: they come and go with meeting_document_add
    and meeting_document_remove."""
    _require("participation.manage_forum", by, message=_("Only administrators keep the forum's records."))
    creating = meeting is None
    if meeting is None:
        meeting = Meeting(created_by=by)
    meeting.plan, meeting.date, meeting.kind = plan, date, kind
    meeting.agenda, meeting.place = (agenda or "").strip(), (place or "").strip()
    meeting.link, meeting.minutes = (link or "").strip(), (minutes or "").strip()
    meeting.full_clean()
    if not meeting.place and not meeting.link:
        raise ValidationError({"place": [_("Say where the meeting is: a place, a link, or both.")]})
    decision_rows = [MeetingDecision(text=t.strip(), owner=(o or "").strip()) for t, o in decisions if t.strip()]
    document_rows = [MeetingDocument(title=t.strip(), url=u.strip()) for t, u in documents]
    for row in decision_rows + document_rows:
        row.full_clean(exclude=["meeting"])
    with transaction.atomic():
        meeting.save()
        meeting.attendees.set(attendees)
        meeting.decisions.all().delete()
        meeting.documents.filter(file="").delete()
        for row in decision_rows + document_rows:
            row.meeting = meeting
            row.save()
        audit_record(action="forum.meeting" if creating else "forum.meeting_update", obj_type="meeting",
                     obj_id=meeting.pk, actor=by,
                     summary=f"Forum meeting of {date} {'recorded' if creating else 'updated'} ({kind})",
                     data={"date": str(date), "kind": kind, "attendees": [a.pk for a in attendees],
                           "minutes": meeting.minutes, "decisions": [[d.text, d.owner] for d in decision_rows],
                           "documents": [[d.title, d.url] for d in document_rows]})
    return meeting


def meeting_document_add(*, by: AuthUser, meeting: Meeting, title: str, url: str = "",
                         upload: UploadedFile | None = None) -> MeetingDocument:
    """Attach a document to a meeting: a link, or a file checked for its real type and size."""
    _require("participation.manage_forum", by, message=_("Only administrators keep the forum's records."))
    url, title = (url or "").strip(), (title or "").strip()
    if bool(url) == bool(upload):
        raise ValidationError(_("Give either a file or a link."))
    document = MeetingDocument(meeting=meeting, title=title or ((upload.name or "") if upload else url)[:300], url=url)
    if upload is not None:
        checked = check_upload(upload, max_bytes=limit("APERTURA_PARTICIPATION_DOCUMENT_MAX_MB") * 1024 * 1024)
        assert upload.name is not None  # Django names every uploaded file
        document.original_name = upload.name[:255]
        document.content_type, document.size, document.sha256 = checked.content_type, checked.size, checked.sha256
    document.full_clean(exclude=["file"])
    with transaction.atomic():
        if upload is not None:
            document.file.save(upload.name, upload, save=False)
        document.save()
        audit_record(action="forum.document_add", obj_type="meeting", obj_id=meeting.pk, actor=by,
                     summary=f"Document «{document.title}» added to the forum meeting of {meeting.date}",
                     data={"document": document.pk, "url": url, "file": document.original_name,
                           "sha256": document.sha256, "size": document.size})
    return document


def meeting_document_remove(*, by: AuthUser, document: MeetingDocument, reason: str) -> None:
    """Take a document off a meeting. The audit log keeps what it was, with its SHA-256, and why."""
    _require("participation.manage_forum", by, message=_("Only administrators keep the forum's records."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Say why the document is removed.")]})
    with transaction.atomic():
        storage, stored = (document.file.storage, document.file.name) if document.file else (None, "")
        audit_record(action="forum.document_remove", obj_type="meeting", obj_id=document.meeting_id, actor=by,
                     summary=f"Document «{document.title}» removed from a forum meeting",
                     data={"document": document.pk, "title": document.title, "url": document.url,
                           "file": document.original_name, "sha256": document.sha256, "reason": reason})
        document.delete()
        if storage is not None and stored:
            transaction.on_commit(lambda: storage.delete(stored))


# Feedback on the plan ------------------------------------------------------------------------------------

def plan_comment_add(*, by: AuthUser, commitment: Commitment, text: str, milestone: Milestone | None = None,
                     parent: PlanComment | None = None, address: str | None = None) -> PlanComment:
    """Comment on a commitment or one of its milestones, or reply (one level) to a comment there."""
    _require("participation.comment_plan", by, message=_("Sign in with a participant account to comment."))
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
    """A «was this useful?» answer. Anonymous; only the page, the answer and the optional comment are kept."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or len(path) > 300:
        raise ValidationError({"path": [_("Unknown page.")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": [_("Keep the comment under 500 characters.")]})
    rate_limit_check(action="feedback", user=user, address=address)
    with transaction.atomic():
        feedback = PageFeedback.objects.create(path=path, useful=useful, comment=comment)
        audit_record(action="page_feedback.add", obj_type="page_feedback", obj_id=feedback.pk,
                     actor_label="anonymous", summary=f"{path} {'useful' if useful else 'not useful'}")
    return feedback
