from django.apps import AppConfig


def describe_partner_reports() -> str:
    """What the privacy policy says partners receive (P18), following the settings."""
    from django.conf import settings

    k = settings.PARTNER_REPORT_MIN_CUSTOMERS
    return (
        "Partners of the shop receive only statistics about the shop as a whole: orders and "
        "revenue by country and product category, how many orders of each size were placed "
        "each day, and how many times each page was viewed each day. Any figure describing "
        f"fewer than {k} customers (for page views, fewer than {k} views) is withheld, and so "
        "is any figure from which one could be worked out. Orders of customers who asked us to "
        "restrict processing are not counted, in these statistics or in what product pages "
        "suggest."
    )


class InsightsConfig(AppConfig):
    name = "candor.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self):
        from candor.privacy.document import register_aggregate_sharing

        register_aggregate_sharing(describe_partner_reports)
