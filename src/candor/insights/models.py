"""What the page counter keeps: a number per page per day, and nothing about who asked."""

from django.conf import settings
from django.db import models

# A longer path is not counted (a real page's path is far shorter); it keeps the unique index
# within what every database accepts.
MAX_PATH = 500


class PageViewDay(models.Model):
    """How many times a page was viewed on a day (P11). Deliberately no cookie, IP address,
    user or user agent: the counter cannot tell one visitor from another."""

    path = models.CharField(max_length=MAX_PATH)
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "path"]
        constraints = [
            models.UniqueConstraint(fields=["path", "day"], name="insights_one_count_per_page_day")
        ]
        indexes = [models.Index(fields=["day"], name="insights_pageviewday_day")]
        verbose_name = "page views on a day"
        verbose_name_plural = "page views"

    def __str__(self) -> str:
        return f"{self.path} on {self.day:%Y-%m-%d}: {self.views}"


class PartnerReport(models.Model):
    """No table: the back-office entry for partner reports (P18) and the permission to open
    them. A report is computed from aggregates when asked for (insights.partner_report)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_partner_report", "Can view and download partner reports")]
        verbose_name = "partner report"
        verbose_name_plural = "partner reports"

    def __str__(self) -> str:
        return "partner report"


class ReportRelease(models.Model):
    """A period whose partner report left the shop (a CSV was downloaded for a partner).

    Released periods never partly overlap: two reports for overlapping periods could be
    subtracted one from the other, and the difference (a few days, a few customers) could
    describe fewer people than any single report is allowed to (insights.releases)."""

    first_day = models.DateField()
    last_day = models.DateField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_day"]
        constraints = [
            models.UniqueConstraint(fields=["first_day", "last_day"], name="insights_one_release")
        ]

    def __str__(self) -> str:
        return f"{self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"
