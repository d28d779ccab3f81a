"""Participants, proposals and their supports: the co-creation records of a plan."""


from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apertura.common.models import StoredDocument
from apertura.institutions.models import Institution
from apertura.plans.models import Commitment, Milestone, Plan, Theme

from apertura.geo.regions import DEPARTMENTS, department_name

TITLE_MAX = 200
TEXT_MAX = 5_000
RESPONSE_MAX = 5_000


def public_name(user) -> str:
    """The only personal datum ever shown publicly: the display name (or a neutral label once deleted)."""
    if user is None or not user.first_name:
        return str(_("Former participant"))
    return user.first_name


class Participant(models.Model):
    """What a self-registered person adds to their account. Never shown publicly except the display name,
    which lives on the user (first_name), as for invited accounts."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant")
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    suspended_at = models.DateTimeField(_("suspended"), null=True, blank=True)
    suspended_reason = models.TextField(_("reason for the suspension"), blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return public_name(self.user)


class Contribution(models.Model):
    """What participants write in public: moderated, checked for duplicates, signed with a display name only."""

    fingerprint = models.CharField(max_length=64, editable=False, db_index=True)
    hidden = models.BooleanField(_("hidden by moderation"), default=False)

    class Meta:
        abstract = True

    @property
    def author_name(self) -> str:
        return public_name(self.author)


class ProposalStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    INCORPORATED = "incorporated", _("Incorporated")
    MERGED = "merged", _("Merged")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


CLOSED_STATUSES = {ProposalStatus.INCORPORATED, ProposalStatus.MERGED, ProposalStatus.NOT_ADOPTED}


class Proposal(Contribution):
    """A participant's proposal for a plan. Closed only with a public, reasoned response."""

    plan = models.ForeignKey(Plan, verbose_name=_("action plan"), on_delete=models.CASCADE,
                             related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="proposals")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    problem = models.TextField(_("problem"), max_length=TEXT_MAX)
    proposal = models.TextField(_("proposal"), max_length=TEXT_MAX)
    theme = models.ForeignKey(Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="proposals")
    institution = models.ForeignKey(Institution, verbose_name=_("institution addressed"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="proposals")
    department = models.CharField(_("department"), max_length=2, choices=DEPARTMENTS, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices,
                              default=ProposalStatus.RECEIVED)
    response = models.TextField(_("reasoned response"), max_length=RESPONSE_MAX, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    commitment = models.ForeignKey(Commitment, verbose_name=_("commitment"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="proposals")
    milestone = models.ForeignKey(Milestone, verbose_name=_("milestone"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="proposals")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged")
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=sorted(s.value for s in CLOSED_STATUSES)) | ~models.Q(response=""),
                name="proposal_closed_has_response"),
        ]
        # A plan's newest proposals are read from the index, not by sorting every proposal of the plan.
        indexes = [models.Index(fields=["plan", "created_at", "id"], name="proposal_plan_newest")]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:proposal", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def department_name(self) -> str:
        return department_name(self.department)

    def clean(self):
        if self.status in CLOSED_STATUSES and not (self.response or "").strip():
            raise ValidationError({"response": _("A proposal is closed only with a public, reasoned response.")})


class ProposalEvent(models.Model):
    """A step of a proposal's public history: each status it took, with the response published at that step."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices)
    response = models.TextField(_("reasoned response"), blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("proposal history step")
        verbose_name_plural = _("proposal history")


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="support_once")]
        verbose_name = _("support")
        verbose_name_plural = _("supports")


class Consultation(models.Model):
    """A document put to public comment between two dates, section by section."""

    plan = models.ForeignKey(Plan, verbose_name=_("action plan"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="consultations")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    purpose = models.TextField(_("purpose"), max_length=TEXT_MAX)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    summary = models.TextField(_("summary report"), max_length=20_000, blank=True)
    summary_published_at = models.DateTimeField(_("summary published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                              name="consultation_closes_after_opening")]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:consultation", args=[self.slug])

    def phase(self, now) -> str:
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class ConsultationSection(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["consultation", "order"]
        constraints = [models.UniqueConstraint(fields=["consultation", "order"], name="section_order_once")]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title


class ConsultationResponse(models.Model):
    """The organizer's public answer to one comment or a group of comments."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField(_("response"), max_length=RESPONSE_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("response to comments")
        verbose_name_plural = _("responses to comments")


class ConsultationComment(Contribution):
    section = models.ForeignKey(ConsultationSection, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="consultation_comments")
    text = models.TextField(_("comment"), max_length=TEXT_MAX)
    response = models.ForeignKey(ConsultationResponse, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="comments")
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # Comments are numbered and paged per section in this order.
        indexes = [models.Index(fields=["section", "created_at", "id"], name="comment_section_order")]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        """A permalink that stays valid as comments come in: it redirects to the page of the section that
        shows the comment."""
        return reverse("participation:consultation_comment_link", args=[self.section.consultation.slug, self.pk])


class ModerationStatus(models.TextChoices):
    OPEN = "open", _("Reported")
    HIDDEN = "hidden", _("Hidden pending review")
    KEPT = "kept", _("Kept visible")
    REMOVED = "removed", _("Hidden by a moderator")


class ModerationCase(models.Model):
    """The reports about one contribution, and the moderator's decision with its reason."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    status = models.CharField(_("status"), max_length=10, choices=ModerationStatus.choices,
                              default=ModerationStatus.OPEN)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-report_count", "created_at"]
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="moderation_case_once")]
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")


class Flag(models.Model):
    """One person's report of a contribution. `reporter_key` is the account, or a hash of the address."""

    case = models.ForeignKey(ModerationCase, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    reporter_key = models.CharField(max_length=80)
    reason = models.TextField(_("reason"), max_length=1_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "reporter_key"], name="flag_once_per_reporter")]
        verbose_name = _("report")
        verbose_name_plural = _("reports")


class ForumMember(models.Model):
    """A seat of the multi-stakeholder forum: a person representing an institution or organization, and
    alternates who stand in for them."""

    name = models.CharField(_("name"), max_length=200)
    institution = models.ForeignKey(Institution, verbose_name=_("institution or organization"),
                                    on_delete=models.PROTECT, related_name="forum_members")
    alternate_of = models.ForeignKey("self", verbose_name=_("alternate of"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="alternates")
    since = models.DateField(_("member since"))
    until = models.DateField(_("member until"), null=True, blank=True)

    class Meta:
        ordering = ["institution__acronym", "alternate_of_id", "name"]
        verbose_name = _("forum member")
        verbose_name_plural = _("forum members")

    def __str__(self) -> str:
        return f"{self.name} ({self.institution.acronym})"

    @property
    def is_civil_society(self) -> bool:
        return self.institution.kind == Institution.Kind.CIVIL_SOCIETY


class MeetingKind(models.TextChoices):
    CO_CREATION = "co_creation", _("Co-creation")
    IMPLEMENTATION = "implementation", _("Implementation follow-up")
    OTHER = "other", _("Other")


class Meeting(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("action plan"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="forum_meetings")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind of meeting"), max_length=20, choices=MeetingKind.choices)
    place = models.CharField(_("place"), max_length=300, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    agenda = models.TextField(_("agenda"), max_length=TEXT_MAX)
    minutes = models.TextField(_("minutes"), max_length=50_000, blank=True)
    attendees = models.ManyToManyField(ForumMember, verbose_name=_("attendance"), blank=True,
                                       related_name="meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("forum meeting")
        verbose_name_plural = _("forum meetings")

    def __str__(self) -> str:
        return f"{self.date} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("participation:meeting", args=[self.pk])


class MeetingDecision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=2_000)
    owner = models.CharField(_("owner"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")


class MeetingDocument(StoredDocument):
    """A document of a forum meeting: a link to it, or a file uploaded here (checked, served as a download)."""

    FOLDER = "forum"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")

    class Meta(StoredDocument.Meta):
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")

    @property
    def public_url(self) -> str:
        return reverse("participation:meeting_document", args=[self.pk]) if self.file else self.url


class PlanComment(Contribution):
    """A comment on a commitment or a milestone; replies go one level deep."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="participant_comments")
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="participant_comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="plan_comments")
    text = models.TextField(_("comment"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment on the plan")
        verbose_name_plural = _("comments on the plan")

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        """A permalink that stays valid as comments come in: it redirects to the page that shows the comment's
        thread (which takes a query, so the view finds it, not the URL)."""
        return reverse("participation:plan_comment_link", args=[self.commitment.plan.slug, self.pk])


class PageFeedback(models.Model):
    """An answer to «was this page useful?». Seen by administrators only."""

    path = models.CharField(_("page"), max_length=300, db_index=True)
    useful = models.BooleanField(_("useful"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("page feedback")
        verbose_name_plural = _("page feedback")
