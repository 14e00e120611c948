"""P12, X1: retention from the data map. After the declared periods, addresses are shortened
(/24, /48) and user-agent strings dropped, then rows deleted; nothing younger is touched, and a
second run changes nothing more."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from candor.privacy import datamap, retention, tasks
from candor.privacy.datamap import NOT_PERSONAL, ModelDeclaration, keep, personal
from candor.privacy.models import RequestLog

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _log_declaration(**overrides) -> ModelDeclaration:
    """RequestLog as the data map declares it: address and user agent shortened after 30
    days, the row deleted after 180."""
    steps = [keep(30, "truncate"), keep(180, "delete")]
    fields = {
        "at": NOT_PERSONAL,
        "ip": personal(
            "online.ip",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=steps,
        ),
        "ip_truncated": NOT_PERSONAL,
        "user_agent": personal(
            "online.user_agent",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=steps,
        ),
        "browser": NOT_PERSONAL,
        "os": NOT_PERSONAL,
        "referrer": NOT_PERSONAL,
        "method": NOT_PERSONAL,
        "path": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "user_id": NOT_PERSONAL,
        **overrides,
    }
    return ModelDeclaration("privacy.RequestLog", fields, age_field="at")


@pytest.fixture
def declared(monkeypatch):
    """Only the declarations a test gives are in the map while it runs."""

    def _declared(*declarations: ModelDeclaration) -> None:
        monkeypatch.setattr(datamap, "_registry", {d.label: d for d in declarations})

    return _declared


def _log(days_old: float, ip: str | None, **fields) -> RequestLog:
    return RequestLog.objects.create(
        at=NOW - timedelta(days=days_old),
        ip=ip,
        user_agent=fields.pop("user_agent", UA),
        browser="Firefox",
        os="Linux",
        referrer=fields.pop("referrer", ""),
        method="GET",
        path=fields.pop("path", "/"),
        status=200,
        **fields,
    )


def _state():
    return list(
        RequestLog.objects.order_by("id").values_list(
            "path", "ip", "ip_truncated", "user_agent", "browser", "os", "referrer"
        )
    )


def test_addresses_and_user_agents_are_shortened_then_rows_deleted_P12(declared):
    """P12: after 30 days IPv4 → /24, IPv6 → /48, user agent blanked (browser and OS
    families stay); after 180 days the row is gone; younger rows are untouched."""
    declared(_log_declaration())
    _log(29, "203.0.113.77", path="/young-v4/")
    _log(29, "2001:db8:1234:5678::1", path="/young-v6/")
    _log(31, "203.0.113.77", path="/old-v4/")
    _log(31, "2001:db8:1234:5678:9abc::1", path="/old-v6/")
    _log(31, None, path="/old-no-address/")
    _log(179, "198.51.100.200", path="/nearly-deleted/")
    _log(181, "198.51.100.200", path="/expired-1/")
    _log(400, "2001:db8::1", path="/expired-2/")

    report = retention.apply_retention(now=NOW)

    assert report.as_dict() == {
        "deleted": {"privacy.RequestLog": 2},
        "truncated": {"privacy.RequestLog": {"ip": 3, "user_agent": 4}},
        "skipped": [],
    }
    assert _state() == [
        ("/young-v4/", "203.0.113.77", False, UA, "Firefox", "Linux", ""),
        ("/young-v6/", "2001:db8:1234:5678::1", False, UA, "Firefox", "Linux", ""),
        ("/old-v4/", "203.0.113.0", True, "", "Firefox", "Linux", ""),
        ("/old-v6/", "2001:db8:1234::", True, "", "Firefox", "Linux", ""),
        ("/old-no-address/", None, False, "", "Firefox", "Linux", ""),
        ("/nearly-deleted/", "198.51.100.0", True, "", "Firefox", "Linux", ""),
    ]


def test_running_twice_changes_nothing_more_P12(declared):
    declared(_log_declaration())
    _log(10, "203.0.113.77")
    _log(45, "203.0.113.77")
    _log(45, "2001:db8:1234:5678::1")
    _log(200, "192.0.2.1")
    retention.apply_retention(now=NOW)
    after_first = _state()

    again = retention.apply_retention(now=NOW)

    assert again.as_dict() == {
        "deleted": {"privacy.RequestLog": 0},
        "truncated": {"privacy.RequestLog": {"ip": 0, "user_agent": 0}},
        "skipped": [],
    }
    assert _state() == after_first


def test_the_periods_come_from_the_data_map_P12(declared):
    """X1: change the declaration and the job follows it (here 7 and 14 days)."""
    steps = [keep(7, "truncate"), keep(14, "delete")]
    declared(
        _log_declaration(
            ip=personal(
                "online.ip",
                purposes=["security"],
                basis="legitimate_interests",
                source="automatic",
                keep=steps,
            ),
            user_agent=NOT_PERSONAL,
        )
    )
    _log(6, "203.0.113.77", path="/six/")
    _log(8, "203.0.113.77", path="/eight/")
    _log(15, "203.0.113.77", path="/fifteen/")

    report = retention.apply_retention(now=NOW)

    assert report.deleted == {"privacy.RequestLog": 1}
    assert report.truncated == {"privacy.RequestLog": {"ip": 1}}
    assert _state() == [
        ("/six/", "203.0.113.77", False, UA, "Firefox", "Linux", ""),
        ("/eight/", "203.0.113.0", True, UA, "Firefox", "Linux", ""),
    ]


def test_pseudonymize_is_left_to_the_apps_erasers_and_reported_P12(declared):
    declared(
        _log_declaration(
            referrer=personal(
                "online.activity",
                purposes=["security"],
                basis="legitimate_interests",
                source="automatic",
                keep=keep(20, "pseudonymize"),
            )
        )
    )
    _log(25, "203.0.113.77", referrer="https://example.org/")

    report = retention.apply_retention(now=NOW)

    assert report.skipped == [
        "privacy.RequestLog (referrer): pseudonymize after 20 days: done by the app's eraser, "
        "not by this job"
    ]
    assert RequestLog.objects.get().referrer == "https://example.org/"


def test_a_category_without_a_truncation_rule_is_reported_not_guessed_P12(declared):
    declared(
        _log_declaration(
            referrer=personal(
                "online.activity",
                purposes=["security"],
                basis="legitimate_interests",
                source="automatic",
                keep=keep(20, "truncate"),
            )
        )
    )
    _log(25, "203.0.113.77", referrer="https://example.org/")

    report = retention.apply_retention(now=NOW)

    assert report.skipped == [
        "privacy.RequestLog (referrer): truncate after 20 days: no rule for category "
        "online.activity"
    ]
    assert RequestLog.objects.get().referrer == "https://example.org/"


def test_a_model_without_an_age_field_is_left_to_its_app_P12(declared):
    declaration = _log_declaration()
    declaration.age_field = None
    declared(declaration)
    _log(400, "203.0.113.77")

    report = retention.apply_retention(now=NOW)

    assert report.as_dict() == {"deleted": {}, "truncated": {}, "skipped": []}
    assert RequestLog.objects.get().ip == "203.0.113.77"


def test_a_value_shortened_earlier_is_recognised_without_a_flag_field_P12(declared):
    """Without a `<field>_truncated` flag the job compares values, so it stays idempotent."""
    declared(
        _log_declaration(
            referrer=personal(
                "online.ip",
                purposes=["security"],
                basis="legitimate_interests",
                source="automatic",
                keep=keep(20, "truncate"),
            )
        )
    )
    _log(25, None, referrer="203.0.113.77", user_agent="")
    _log(25, None, referrer="198.51.100.0", user_agent="")

    first = retention.apply_retention(now=NOW)
    second = retention.apply_retention(now=NOW)

    assert first.truncated["privacy.RequestLog"]["referrer"] == 1
    assert second.truncated["privacy.RequestLog"]["referrer"] == 0
    assert list(RequestLog.objects.order_by("id").values_list("referrer", flat=True)) == [
        "203.0.113.0",
        "198.51.100.0",
    ]


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::"),
        ("2001:db8::1", "2001:db8::"),
        ("::ffff:203.0.113.77", "::ffff:203.0.113.0"),
        ("not an address", None),
        (None, None),
        ("", ""),
    ],
)
def test_ip_truncation_keeps_only_the_network_P12(address, network):
    assert retention.truncate_ip(address) == network


def test_the_daily_task_returns_the_report_P12(declared):
    declared(_log_declaration())
    _log(200, "203.0.113.77")

    result = tasks.apply_retention.apply().get()

    assert result == {
        "deleted": {"privacy.RequestLog": 1},
        "truncated": {"privacy.RequestLog": {"ip": 0, "user_agent": 0}},
        "skipped": [],
    }
    assert RequestLog.objects.count() == 0


def test_the_retention_job_runs_daily_under_beat_P12():
    from celery.schedules import crontab

    from candor.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "candor.privacy.tasks.apply_retention"
    assert entry["schedule"] == crontab(hour=3, minute=30)
    assert "candor.privacy.tasks.apply_retention" in app.tasks


def test_the_shipped_data_map_ages_out_the_server_log_P12():
    """X1: the real declaration of RequestLog: shortened after 30 days, deleted after 180."""
    declaration = datamap.declaration_for(RequestLog)
    assert declaration is not None
    assert declaration.age_field == "at"
    for name in ("ip", "user_agent"):
        spec = declaration.fields[name]
        assert [(r.days, r.then) for r in spec.retention] == [(30, "truncate"), (180, "delete")]


def test_the_job_runs_over_the_whole_shipped_data_map_P12():
    """Every model the real data map dates is visited (in one transaction each) without error."""
    RequestLog.objects.create(
        at=NOW - timedelta(days=400), ip="203.0.113.7", method="GET", path="/", status=200
    )
    dated = sorted(
        label
        for label, declaration in datamap.declarations().items()
        if declaration.age_field
        and any(getattr(spec, "retention", ()) for spec in declaration.fields.values())
    )

    report = retention.apply_retention(now=NOW)

    assert sorted(report.deleted) == dated
    assert report.deleted["privacy.RequestLog"] == 1
    assert sum(report.deleted.values()) == 1


def test_carts_unused_for_90_days_are_deleted_and_using_one_restarts_the_clock_P3():
    """The data map keeps a cart 90 days after its last use; every change moves the date."""
    from candor.cart.models import Cart, CartLine
    from candor.cart.services import add_item
    from tests.factories import VariantFactory

    variant = VariantFactory(stock=5)
    idle, used = Cart.objects.create(), Cart.objects.create()
    CartLine.objects.create(cart=idle, variant=variant, quantity=1)
    Cart.objects.filter(pk__in=[idle.pk, used.pk]).update(updated_at=NOW - timedelta(days=91))
    add_item(cart=used, variant_id=variant.pk, quantity=1)  # used today
    report = retention.apply_retention(now=timezone.now())
    assert list(Cart.objects.values_list("pk", flat=True)) == [used.pk]
    assert not CartLine.objects.filter(cart_id=idle.pk).exists()
    assert report.deleted["cart.Cart"] == 1


def test_expired_sessions_are_removed_by_the_daily_job_P12():
    from django.contrib.sessions.models import Session

    from candor.privacy.tasks import clear_expired_sessions

    Session.objects.create(
        session_key="gone", session_data="x", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=timezone.now() + timedelta(days=1)
    )
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
