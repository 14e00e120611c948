"""The privacy policy: generated from the data map, versioned, announced (P21, P24, X1)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from candor.privacy import datamap, document, policy, vocabulary
from candor.privacy.datamap import ModelDeclaration, keep, personal
from candor.privacy.models import PolicyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_declaration(monkeypatch):
    """Add a personal field to the map, as a new feature of the code would."""

    def _add(**spec):
        values = {
            "category": "online.activity",
            "purposes": ["analytics"],
            "basis": "legitimate_interests",
            "source": "automatic",
            "keep": [keep(30)],
            "recipients": [],
        }
        values.update(spec)
        category = values.pop("category")
        declaration = ModelDeclaration("tests.Feature", {"value": personal(category, **values)})
        monkeypatch.setitem(datamap._registry, "tests.Feature", declaration)

    return _add


@pytest.fixture
def first_version():
    return policy.publish(summary="First published version.")


def _customer(email="zainab@example.com"):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password="x" * 12)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_p21_the_policy_page_has_every_section_and_comes_from_the_data_map(client):
    page = client.get(reverse("privacy:policy")).content.decode()
    for heading in (
        "Who we are",
        "What we collect",
        "Why we use it",
        "Who receives it",
        "Cookies",
        "How long we keep it",
        "How we protect it",
        "Your choices and rights",
        "Changes to this policy",
    ):
        assert f">{heading}</h2>" in page
    assert "Not yet published" in page
    for _label, _field, spec in datamap.personal_fields():
        assert vocabulary.CATEGORIES[spec.category][:40] in page.replace("&#x27;", "'")
        for purpose in spec.purposes:
            assert vocabulary.PURPOSES[purpose][1:40] in page.replace("&#x27;", "'")
    for standing in ("police or courts", "a buyer of the shop"):
        assert standing in page.lower()
    assert reverse("privacy:cookies") in page
    assert "hello@candor.example" in page


def test_p21_a_new_recipient_in_the_code_appears_in_the_policy(extra_declaration):
    before = document.build()
    assert not any(
        r["recipient"] == "shipper" and "the pages you asked" in " ".join(r["data"])
        for r in before["recipients"]
    )
    extra_declaration(recipients=["shipper"])
    after = document.build()
    shipper = next(r for r in after["recipients"] if r["recipient"] == "shipper")
    assert vocabulary.CATEGORIES["online.activity"] in shipper["data"]


def test_p21_the_json_serves_the_same_content_as_the_page(client, first_version):
    data = client.get(reverse("privacy:policy_json")).json()
    assert data["version"] == 1
    assert data["published"] is True
    assert data["policy"] == first_version.content
    assert (
        data["content_hash"] == first_version.content_hash == document.content_hash(data["policy"])
    )
    page = client.get(reverse("privacy:policy")).content.decode()
    assert (
        f"Version 1 · last updated {timezone.localtime(first_version.effective_at):%-d %B %Y}"
        in page
    )
    for item in data["policy"]["security"]:
        assert item.replace("'", "&#x27;") in page


def test_p21_publishing_makes_an_immutable_version(first_version):
    assert first_version.number == 1
    assert not first_version.material
    assert first_version.effective_at == first_version.published_at
    assert first_version.datamap == datamap.snapshot()
    with pytest.raises(ValueError, match="cannot be changed"):
        first_version.save()
    with pytest.raises(policy.NothingToPublish):
        policy.publish(summary="Again")
    assert PolicyVersion.objects.count() == 1


def test_p21_a_summary_is_required():
    with pytest.raises(ValueError, match="summary"):
        policy.publish(summary="  ")
    assert not PolicyVersion.objects.exists()


def test_p21_a_minor_change_takes_effect_at_once_and_is_not_announced(first_version, committed):
    from candor.core.models import ShopSettings

    shop = ShopSettings.load()
    shop.legal_name = "Candor Mobile (Private) Limited"
    shop.save()
    version = committed(policy.publish, summary="Our legal name.")
    assert (version.number, version.material, version.changes) == (2, False, [])
    assert version.effective_at == version.published_at
    assert policy.current() == version
    assert mail.outbox == []


def test_p21_a_material_change_is_announced_before_it_takes_effect(
    client, first_version, extra_declaration, committed, settings
):
    settings.PRIVACY_NOTICE_DAYS = 30
    customer = _customer()
    extra_declaration(category="online.activity", recipients=["shipper"])
    version = committed(policy.publish, summary="We count visits to improve the shop.")
    assert version.material
    assert {c["text"] for c in version.changes if c["material"]} >= {
        f"We now use {vocabulary.CATEGORIES['online.activity']} {vocabulary.PURPOSES['analytics']}."
    } or any(c["material"] for c in version.changes)
    assert version.effective_at == version.published_at + timedelta(days=30)
    # still the old version in effect, with a notice of the new one
    assert policy.current() == first_version
    page = client.get(reverse("privacy:policy")).content.decode()
    assert "Version 1 ·" in page
    assert "A new version takes effect on" in page
    # announced: a banner on every page and one service mail to each customer
    home = client.get(reverse("catalog:home")).content.decode()
    assert "Our privacy policy changes on" in home
    assert reverse("privacy:diff", args=[1, 2]) in home
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert "What changes:" in mail.outbox[0].body
    version.refresh_from_db()
    assert version.announced_at is not None
    # once the date comes, it is the policy in effect
    assert policy.current(now=version.effective_at + timedelta(seconds=1)) == version


def test_p21_material_changes_are_found_by_comparing_data_maps():
    old = {
        "a.M": {
            "f": {
                "category": "contact.email",
                "purposes": ["account"],
                "basis": "contract",
                "source": "given",
                "retention": [{"days": 30, "then": "delete"}],
                "recipients": [],
            }
        }
    }
    longer = {"a.M": {"f": {**old["a.M"]["f"], "retention": [{"days": 60, "then": "delete"}]}}}
    shorter = {"a.M": {"f": {**old["a.M"]["f"], "retention": [{"days": 10, "then": "delete"}]}}}
    new_purpose = {"a.M": {"f": {**old["a.M"]["f"], "purposes": ["account", "marketing"]}}}
    new_recipient = {"a.M": {"f": {**old["a.M"]["f"], "recipients": ["shipper"]}}}
    assert [c.material for c in policy.compare(old, longer)] == [True]
    assert [c.material for c in policy.compare(old, shorter)] == [False]
    assert [c.material for c in policy.compare(old, new_purpose)] == [True]
    assert [c.material for c in policy.compare(old, new_recipient)] == [True]
    assert [c.material for c in policy.compare(old, {})] == [False]
    assert [c.material for c in policy.compare({}, old)] == [True]


def test_p24_history_lists_versions_and_shows_a_readable_diff(
    client, first_version, extra_declaration
):
    extra_declaration()
    second = policy.publish(summary="Visit counts.")
    history = client.get(reverse("privacy:history")).content.decode()
    assert "First published version." in history and "Visit counts." in history
    assert reverse("privacy:diff", args=[1, 2]) in history
    diff = client.get(reverse("privacy:diff", args=[1, 2])).content.decode()
    assert '<li class="diff-added"><ins>+ - ' in diff
    added = [
        line
        for line in document.as_lines(second.content)
        if line not in document.as_lines(first_version.content)
    ]
    assert added and all(line.replace("'", "&#x27;") in diff for line in added)
    same = client.get(reverse("privacy:diff", args=[1, 1])).content.decode()
    assert "The two versions say the same." in same
    compare = client.get(reverse("privacy:compare"), {"old": 2, "new": 1})
    assert compare.status_code == 302 and compare["Location"] == reverse(
        "privacy:diff", args=[1, 2]
    )


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({}, "Choose two version numbers to compare."),
        ({"old": "x", "new": "1"}, "Choose two version numbers to compare."),
        # Anyone can send these; they were a 500 (no address for a negative version).
        ({"old": "-5", "new": "1"}, "Version numbers start at 1."),
        ({"old": "1", "new": "0"}, "Version numbers start at 1."),
    ],
)
def test_p24_a_bad_comparison_is_refused(client, query, reason):
    response = client.get(reverse("privacy:compare"), query)
    assert response.status_code == 400
    assert response.content.decode() == reason


def test_p24_an_unknown_version_is_not_found(client, first_version):
    assert client.get(reverse("privacy:diff", args=[1, 9])).status_code == 404


def test_x1_a_check_warns_when_the_code_drifts_from_the_published_policy(
    first_version, extra_declaration
):
    def drift_warnings():
        return [m for m in run_checks(databases=["default"]) if m.id == "privacy.W001"]

    assert drift_warnings() == []
    extra_declaration()
    (warning,) = drift_warnings()
    assert warning.msg == "The data map differs from the published privacy policy (version 1)."


def test_p21_the_publish_command(capsys):
    call_command("publish_policy", summary="First.")
    assert "Published version 1 (minor)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="unchanged"):
        call_command("publish_policy", summary="Again.")


def test_p21_staff_publish_from_the_back_office(admin_client):
    page = admin_client.get(reverse("admin:policy_publish"))
    assert b"This will be the first published version" in page.content
    refused = admin_client.post(reverse("admin:policy_publish"), {"summary": ""})
    assert refused.status_code == 200 and not PolicyVersion.objects.exists()
    admin_client.post(reverse("admin:policy_publish"), {"summary": "First."})
    version = PolicyVersion.objects.get()
    assert version.published_by.email == "admin@example.com"
    change = admin_client.get(reverse("admin:privacy_policyversion_change", args=[version.pk]))
    assert change.status_code == 200 and b"Save" not in change.content


def test_p7_p21_consents_record_the_policy_version_in_effect(first_version):
    from candor.messaging import subscriptions

    assert subscriptions.current_policy_version() == "v1"
