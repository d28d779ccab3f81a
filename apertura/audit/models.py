from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AuditEvent(models.Model):
    """One write to the platform. Rows are only ever appended; each carries the hash of the one before."""

    # Set by audit_record before the hash is taken (not auto_now_add, which would overwrite it on save).
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object"), max_length=100)
    summary = models.TextField(_("summary"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Which fields the hash covers: 1 for the events written before time and actor were hashed (they keep their
    # hash, history is never rewritten), 2 since. No default: every writer states the scheme it hashed with.
    scheme = models.PositiveSmallIntegerField(_("hashing scheme"))
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's end, one row. Every append locks it, links to its hash and moves it to the new event, so
    writers queue on it one after the other; and the end it records shows when events at the end were removed."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # Not a foreign key: removing events must stay possible to detect, not be refused or cascaded.
    last_event_id = models.BigIntegerField(null=True, blank=True)
    hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")]
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.last_event_id} {self.hash}"


class AuditAcknowledgement(models.Model):
    """A break in the chain that an operator investigated and recorded; nothing in the log is changed or erased.
    The break is accepted only while it is exactly the one recorded here, and only if the chain itself holds the
    audit event written with the acknowledgement."""

    class Kind(models.TextChoices):
        CONTENT = "content", _("content altered")
        LINK = "link", _("link broken")
        SCHEME = "scheme", _("hashing scheme changed")
        HEAD = "head", _("end of the log changed")

    # Not a foreign key: the event named may be one that was removed (the end of the log).
    event_id = models.BigIntegerField(_("event"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    previous_hash = models.CharField(_("stored link"), max_length=64, blank=True)
    expected_previous_hash = models.CharField(_("expected link"), max_length=64, blank=True)
    hash = models.CharField(_("stored hash"), max_length=64, blank=True)
    expected_hash = models.CharField(_("expected hash"), max_length=64, blank=True)
    reason = models.TextField(_("reason"))
    acknowledged_by = models.CharField(_("acknowledged by"), max_length=200)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("acknowledged audit break")
        verbose_name_plural = _("acknowledged audit breaks")

    def __str__(self) -> str:
        return f"{self.kind} at event {self.event_id}"
