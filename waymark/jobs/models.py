"""How far each background job has got, for the page that shows it."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.urls import reverse

from waymark.accounts.access import has_role
from waymark.accounts.roles import Role
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet


class JobProgressQuerySet(VisibleQuerySet["JobProgress"]):
    """Job progress rows: a person sees the jobs they started; an OPCC admin sees every job."""

    def visible_to(self, user: Any) -> Self:
        """Every job for an OPCC admin; the jobs they started for anyone else signed in."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OPCC_ADMIN):
            return self.all()
        return self.filter(started_by=user)


class JobProgress(TimeStampedModel):
    """The progress of one run of a background task (one django-tasks result).

    Created when the task is enqueued; the task moves it on as it works. The task's own
    result (in django-tasks) says whether a worker has picked it up; this row says how far
    the work has got and what came of it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    task_result_id = models.CharField(
        max_length=64,
        unique=True,
        help_text="The django-tasks result id of the run this row follows; one row per run.",
    )
    name = models.CharField(max_length=200, help_text="What the job does, as people call it.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs_started",
        help_text="Who started it; empty for a job the system started itself.",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        help_text="Whose data the job works on; empty for a job across the whole platform.",
    )
    total = models.PositiveBigIntegerField(default=0, help_text="Rows to do; 0 while not yet known.")
    done = models.PositiveBigIntegerField(default=0, help_text="Rows done so far.")
    counts_rows = models.BooleanField(
        default=True,
        help_text="Whether done and total count rows. A file import counts its own units (bytes read, "
        "then the steps of writing), so its page shows only the share done.",
    )
    message = models.TextField(
        blank=True,
        help_text="The latest word from the job, shown in the page. Never personal data.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Set once status is final.")
    refused = models.BooleanField(
        default=False,
        help_text="A failed job that did its work and refused what it was given (a file with problems, "
        "a correction that could not be made): nothing changed, and the person's next step is to put it "
        "right. Shown as Refused, not Failed.",
    )

    objects = JobProgressQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "job progress"
        verbose_name_plural = "job progress"

    def __str__(self) -> str:
        """The job's name."""
        return self.name

    @property
    def is_finished(self) -> bool:
        """Whether the job has succeeded or failed."""
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        """Whole percent done (rounded down, so 100 means all of it); None while the total is unknown."""
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))

    def get_absolute_url(self) -> str:
        """The job's progress page."""
        return reverse("jobs:detail", kwargs={"public_id": self.public_id})
