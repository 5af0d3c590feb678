import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for every domain model: creation and last-change times, set by the database layer."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` claimed by one caller; see :mod:`apps.core.idempotency`.

    Inserted before the request's work starts (the unique constraint decides which of two concurrent
    requests owns the key), completed with the response in the same transaction as the work.
    """

    scope = models.CharField(_("scope"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    # Null while the first request is still running.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    # A request that died without finishing (its work rolled back) frees the key after this time.
    locked_until = models.DateTimeField(_("locked until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

    @property
    def is_complete(self) -> bool:
        return self.response_status is not None


class EffectStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Effect(models.Model):
    """One named effect recorded with the change that causes it: the outbox of :mod:`apps.core.effects`.

    Inserted in the same transaction as the change, so the change and the promise to follow it up
    commit or roll back together; a worker runs it, marks it done, and a sweeper hands it over again
    when it was lost on the way (broker down, worker killed).
    """

    name = models.CharField(_("name"), max_length=100, db_index=True)
    kwargs = models.JSONField(_("arguments"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=EffectStatus.choices, default=EffectStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the sweeper should hand it over again unless it is done by then (a lost message, a retry).
    due_at = models.DateTimeField(_("due at"))
    handovers = models.PositiveIntegerField(_("hand-overs"), default=0)
    # Handlers that commit on their own (``atomic=False``) hold this lease instead of a row lock.
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("effect")
        verbose_name_plural = _("effects")
        indexes = [
            # The sweeper's scan: pending effects by due time (a partial index stays small).
            models.Index(fields=["due_at"], name="core_effect_pending_due", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """A bulk import run by a worker (see :mod:`apps.core.import_jobs`): the uploaded file, who sent it,
    and, once finished, the report the inline import would have answered.

    The app that owns the records (listings, contracts, ip) runs it through its effect ``<app>.run_import``;
    rows done so far are kept in the cache while it runs, since the run is one transaction.
    """

    kind = models.CharField(_("kind"), max_length=32)  # achievements, demands, contracts, ip_assets
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), blank=True)  # emptied when the job has finished
    options = models.JSONField(_("options"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    report = models.JSONField(_("report"), null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="core_importjob_by_user")]

    def __str__(self) -> str:
        return f"{self.kind} import #{self.pk} ({self.status})"


class ChangeKind(models.TextChoices):
    CREATED = "created", _("created")
    UPDATED = "updated", _("updated")
    DELETED = "deleted", _("deleted")


class Change(models.Model):
    """One change of a record an integrator may mirror: the log behind ``GET /api/v1/changes``.

    Written in the same transaction as the change (:func:`apps.core.changes.record_changes`), without a
    position; ``seq`` is stamped after commit by one stamper at a time (:func:`apps.core.changes.stamp`),
    so positions follow commit order and a reader never skips a row that commits late
    (docs/integrators.md explains why not ``txid``). ``public``, ``organization_ids`` and ``user_ids``
    say who could see the record before or after this change: who may hear of it.
    """

    seq = models.BigIntegerField(_("position"), null=True, blank=True, unique=True)
    type = models.CharField(_("type"), max_length=40)
    object_id = models.BigIntegerField(_("record id"))
    change = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    public = models.BooleanField(_("public"), default=False)
    organization_ids = ArrayField(models.BigIntegerField(), verbose_name=_("organisations"), default=list)
    user_ids = ArrayField(models.BigIntegerField(), verbose_name=_("users"), default=list)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [
            # The stamper's scan: rows still without a position (a partial index stays small).
            models.Index(fields=["id"], name="core_change_unstamped", condition=models.Q(seq__isnull=True)),
            models.Index(fields=["occurred_at"], name="core_change_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id} {self.change} @{self.seq}"


class RecordAudience(models.Model):
    """Who could see a mirrored record after its last change: the next change's "before".

    Kept apart from :class:`Change` so purging old changes does not forget it (a record published long
    ago and withdrawn today must still reach the public as a tombstone).
    """

    type = models.CharField(_("type"), max_length=40)
    object_id = models.BigIntegerField(_("record id"))
    public = models.BooleanField(_("public"), default=False)
    organization_ids = ArrayField(models.BigIntegerField(), verbose_name=_("organisations"), default=list)
    user_ids = ArrayField(models.BigIntegerField(), verbose_name=_("users"), default=list)

    class Meta:
        verbose_name = _("record audience")
        verbose_name_plural = _("record audiences")
        constraints = [models.UniqueConstraint(fields=["type", "object_id"], name="core_record_audience_unique")]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"


class ChangeLog(models.Model):
    """The one row of the change log's state: the last position stamped and the last purged.

    Stampers lock this row, so positions are handed out by one of them at a time.
    """

    head = models.BigIntegerField(_("last position"), default=0)
    purged_through = models.BigIntegerField(_("purged through"), default=0)

    class Meta:
        verbose_name = _("change log")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return f"head {self.head}, purged through {self.purged_through}"


class EvidenceEntry(models.Model):
    """One event in the tamper-evident evidence chain (:mod:`apps.core.evidence`).

    Every entry carries the hash of the entry before it (``prev_hash``) and its own hash over
    ``prev_hash`` and its canonical fields, so editing, deleting or reordering a row breaks every hash
    after it. Rows are append-only: a database trigger refuses UPDATE and DELETE.
    """

    position = models.BigIntegerField(_("position"), unique=True)
    stream = models.CharField(_("stream"), max_length=40)
    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.BigIntegerField(_("subject id"))
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    actor_id = models.BigIntegerField(_("acting user id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("evidence entry")
        verbose_name_plural = _("evidence entries")
        ordering = ["position"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="core_evidence_subject")]
        triggers = [
            pgtrigger.Protect(name="evidence_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.position} {self.stream} {self.event} {self.subject_type} {self.subject_id}"


class EvidenceHead(models.Model):
    """The one row holding the chain's last position and hash.

    Appenders lock it (``SELECT … FOR UPDATE``) for the rest of their transaction, so entries are
    chained one at a time in commit order and two concurrent appends never fork the chain. Verifying
    compares the chain's end with it, which catches a deleted last entry.
    """

    position = models.BigIntegerField(_("last position"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("evidence chain head")
        verbose_name_plural = _("evidence chain head")

    def __str__(self) -> str:
        return f"#{self.position} {self.hash[:12]}"
