"""P18: partner reports for overlapping periods could be subtracted one from the other, so a
period whose CSV has been downloaded for a partner blocks every period that partly overlaps it."""

import datetime as dt

import pytest

from candor.insights.models import ReportRelease
from candor.insights.releases import ReleaseRefused, release

pytestmark = pytest.mark.django_db

REPORT_URL = "/backoffice/insights/partnerreport/"
JAN = {"start": "2026-01-01", "end": "2026-01-31"}


def test_p18_downloading_a_csv_releases_its_period(admin_client, admin_user):
    response = admin_client.get(f"{REPORT_URL}csv/sales/", JAN)

    assert response.status_code == 200
    released = ReportRelease.objects.get()
    assert (released.first_day, released.last_day) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert released.released_by == admin_user
    # The same period again, any table: allowed, and still one release.
    assert admin_client.get(f"{REPORT_URL}csv/order-sizes/", JAN).status_code == 200
    assert ReportRelease.objects.count() == 1


def test_p18_a_period_overlapping_a_released_one_cannot_be_downloaded(admin_client):
    admin_client.get(f"{REPORT_URL}csv/sales/", JAN)

    for start, end in (
        ("2026-01-01", "2026-01-30"),
        ("2026-01-31", "2026-02-28"),
        ("2025-12-01", "2026-03-31"),
    ):
        response = admin_client.get(f"{REPORT_URL}csv/sales/", {"start": start, "end": end})
        assert response.status_code == 409
        assert response.content.decode().startswith(
            "This period overlaps the report already released for 2026-01-01 to 2026-01-31"
        )
    assert ReportRelease.objects.count() == 1
    # A period beside it is fine.
    assert (
        admin_client.get(
            f"{REPORT_URL}csv/sales/", {"start": "2026-02-01", "end": "2026-02-28"}
        ).status_code
        == 200
    )
    assert ReportRelease.objects.count() == 2


def test_p18_the_page_says_when_a_period_cannot_be_released(admin_client):
    release(first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 1, 31), acting_user=None)

    html = admin_client.get(
        REPORT_URL, {"start": "2026-01-15", "end": "2026-02-14"}
    ).content.decode()

    assert "This period overlaps the report already released for 2026-01-01 to 2026-01-31" in html
    assert "csv/sales/" not in html
    assert "Periods released so far: 2026-01-01 to 2026-01-31." in html


def test_p18_the_release_service_refuses_an_overlap_and_writes_nothing():
    release(first_day=dt.date(2026, 1, 1), last_day=dt.date(2026, 1, 31), acting_user=None)
    with pytest.raises(ReleaseRefused):
        release(first_day=dt.date(2026, 1, 10), last_day=dt.date(2026, 1, 20), acting_user=None)
    assert ReportRelease.objects.count() == 1
