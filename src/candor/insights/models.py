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


class SalesDay(models.Model):
    """One local day's counted order lines of one shipping country and product category, for
    the partner reports (P18): sums, and a sketch of the customers (insights.people), never who
    they are. Written only by insights.daily from the same queries the report runs."""

    day = models.DateField()
    country = models.CharField(max_length=2)
    # Not a foreign key: a figure stays as counted; NULL for lines whose product is gone.
    category_id = models.IntegerField(null=True)
    items = models.PositiveBigIntegerField()
    revenue = models.DecimalField(max_digits=16, decimal_places=2)
    lines = models.PositiveIntegerField()
    sketch = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "country", "category_id"],
                name="insights_one_sales_day",
                nulls_distinct=False,
            )
        ]
        verbose_name = "sales on a day"
        verbose_name_plural = "sales by day"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.country} {self.category_id}: {self.items}"


class OrdersDay(models.Model):
    """One local day's counted orders of one shipping country in one band of order total (P18):
    how many, and a sketch of their customers."""

    day = models.DateField()
    country = models.CharField(max_length=2)
    band = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField()
    sketch = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "country", "band"], name="insights_one_orders_day"
            )
        ]
        verbose_name = "orders on a day"
        verbose_name_plural = "orders by day"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.country} band {self.band}: {self.orders}"


class AggregateState(models.Model):
    """One row: which days SalesDay and OrdersDay hold, and what they were counted under.

    `digest` fingerprints everything besides the orders that decides a day's figures (the
    restricted customers, each variant's category, the bands, the time zone); when it differs
    from the current one the stored days are not used. `last_status_change_id`: every change
    of an order's status (and every new order) writes an OrderStatusChange; the days of
    orders changed after this one are counted again."""

    refreshed_through = models.DateField(null=True)
    digest = models.CharField(max_length=64, blank=True)
    last_status_change_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "daily aggregates state"

    def __str__(self) -> str:
        return f"aggregates through {self.refreshed_through}"
