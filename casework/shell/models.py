"""The site shell's one table: which clock runs each periodic job, and when it last ran."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobLease(models.Model):
    """A periodic job (``casework/shell/schedule.py``) is run by the clock that takes its lease,
    so two clocks, or a clock and an operator's one-off run, never run it at the same time nor
    more often than its interval."""

    job = models.CharField(_("job"), max_length=64, primary_key=True)
    # host:pid of the clock running it now; empty between runs.
    held_by = models.CharField(_("held by"), max_length=128, blank=True)
    # A clock that died mid-run holds the lease no longer than this.
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_succeeded = models.BooleanField(_("last run succeeded"), null=True, blank=True)

    class Meta:
        verbose_name = _("job lease")
        verbose_name_plural = _("job leases")
        constraints = [
            models.CheckConstraint(
                condition=Q(held_until__isnull=True) | ~Q(held_by=""),
                name="shell_job_lease_held_by_someone",
            )
        ]

    def __str__(self) -> str:
        return self.job


class PublicPagesVersion(models.Model):
    """The version of the public pages kept for visitors (``page_cache.py``): one row, counted
    up in the transaction of every change that shows on them (a booking, an availability or
    profile edit, a register reading, a suspension), so that the next visit renders afresh. In
    the database, not the cache: without Redis each process's cache is its own, and the task
    worker's changes must reach every web process's pages."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="shell_public_pages_version_one_row")
        ]

    def __str__(self) -> str:
        return f"public pages version {self.number}"
