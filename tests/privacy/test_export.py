"""P20 (issue 6 item 6): an export holds every data-map category that holds a value for the
person, as JSON and as a readable page; it changes nothing, and its cost does not grow with
the number of orders."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from candor.orders.models import Order
from candor.privacy import datamap
from candor.privacy.erasure import erase_subject, preview_erasure
from candor.privacy.export import build_export_zip, categories_in, export_subject
from candor.privacy.subjects import Subject

from .test_erasure import EMAIL, NAME, PHONE, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(place, variant, committed, client):
    return make_world(place, variant, committed, client)


EMPTY = (None, "", [], {})
TEXT_FIELDS = (models.CharField, models.TextField)


def _matching(model, user_pk: int, values: set[str], found: dict) -> Q | None:
    """Rows of `model` tied to the subject: a foreign key to the account or to a row already
    found, or a text field holding one of the values."""
    query = Q(pk__in=[])
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey):
            target = field.related_model._meta.label
            if field.related_model is get_user_model():
                query |= Q(**{field.attname: user_pk})
            elif found.get(target):
                query |= Q(**{f"{field.attname}__in": sorted(found[target])})
        elif isinstance(field, TEXT_FIELDS):
            for value in values:
                query |= Q(**{f"{field.name}__icontains": value})
    return query


def expected_categories(user_pk: int, values: set[str]) -> set[str]:
    """Generically, from the data map and the rows: every category of a personal field with a
    value, in every row tied to the subject (found through the schema until nothing new)."""
    found: dict[str, set] = {}
    while True:
        grew = False
        for label in datamap.declarations():
            model = apps.get_model(label)
            pks = set(
                model._base_manager.filter(_matching(model, user_pk, values, found)).values_list(
                    "pk", flat=True
                )
            )
            if pks - found.get(label, set()):
                found[label] = found.get(label, set()) | pks
                grew = True
        if not grew:
            break
    categories = set()
    for label, pks in found.items():
        declaration = datamap.declaration_for(label)
        model = apps.get_model(label)
        personal = {
            name: spec
            for name, spec in declaration.fields.items()
            if isinstance(spec, datamap.Personal)
            and name in {f.name for f in model._meta.concrete_fields}
        }
        for row in model._base_manager.filter(pk__in=pks).values(*personal):
            categories |= {
                personal[name].category for name, value in row.items() if value not in EMPTY
            }
    return categories


def test_export_contains_every_category_that_holds_a_value_for_the_person(world):
    """P20: what the export holds, by data-map category, covers everything the database holds
    about the person (computed from the schema, the data map and the rows)."""
    subject, user, orders, thread = world
    expected = expected_categories(user.pk, {EMAIL, PHONE, NAME})
    exported = categories_in(export_subject(subject))
    assert {
        "identity.name",
        "contact.email",
        "contact.phone",
        "contact.address",
        "commerce.order",
        "commerce.screening",
        "content.support",
        "content.survey",
        "content.testimonial",
        "marketing.consent",
        "privacy.consent",
        "content.mail",
    } <= expected
    assert expected - exported == set()
    # Rows tied by a plain id (the server log) are exported too.
    assert {"online.ip", "online.user_agent", "online.activity"} <= exported


def test_export_zip_has_json_and_a_readable_page(world):
    """P20: the download is a ZIP with data.json and index.html; the page names each kind of
    data in the policy's words and escapes what people typed."""
    subject, user, orders, thread = world
    thread.subject = "<script>alert(1)</script>"
    thread.save(update_fields=["subject"])
    archive = zipfile.ZipFile(io.BytesIO(build_export_zip(subject)))
    assert sorted(archive.namelist()) == ["data.json", "index.html"]
    document = json.loads(archive.read("data.json"))
    assert [row["email"] for row in document["data"]["accounts"]["accounts.User"]] == [EMAIL]
    assert len(document["data"]["orders"]["orders.Order"]) == 2
    assert document["categories"]["contact.email"] == "your email address"
    assert "password" not in json.dumps(document["data"]["accounts"]["accounts.User"][0]).replace(
        '"password": "set (stored only as a hash)"', ""
    )
    page = archive.read("index.html").decode()
    assert "Your email address" in page
    assert NAME in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_export_changes_nothing_and_leaves_secrets_out(world):
    """P20: exporting writes nothing and never includes a password hash, two-factor secret
    or a sensitive mail's link."""
    subject, user, orders, thread = world
    with CaptureQueriesContext(connection) as queries:
        export = export_subject(subject)
    assert not [q for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert user.password not in json.dumps(export, default=str)


def test_an_erased_subject_exports_nothing(world, committed):
    """P20: after erasure nothing is found for the subject (orders kept are pseudonymous)."""
    subject, *_ = world
    committed(erase_subject, subject)
    assert export_subject(subject) == {}


def _queries(fn, subject) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn(subject)
    return len(captured)


def test_export_preview_and_erasure_cost_does_not_grow_with_orders(place, variant, committed):
    """P20 (issue 6, measured): a constant number of queries per holder, not per row."""
    subjects = []
    for n, email in ((1, "one@example.org"), (4, "four@example.org")):
        user = get_user_model().objects.create_user(email=email)
        for _ in range(n):
            place({variant.pk: 1}, user=user)
        subjects.append(Subject(user_id=user.pk, emails=frozenset({email})))
    assert Order.objects.filter(user_id=subjects[1].user_id).count() == 4
    for fn in (export_subject, preview_erasure):
        assert _queries(fn, subjects[0]) == _queries(fn, subjects[1])
    small = _queries(lambda s: committed(erase_subject, s), subjects[0])
    large = _queries(lambda s: committed(erase_subject, s), subjects[1])
    assert small == large


@pytest.mark.django_db
def test_p20_the_back_office_log_is_matched_by_the_whole_address():
    """An export (and an erasure) of bob@example.com takes nothing about jimbob@example.com."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from candor.privacy.export import export_subject
    from candor.privacy.subjects import Subject
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    bob = UserFactory(email="bob@example.com")
    kind = ContentType.objects.get_for_model(bob)
    for repr_ in ("jimbob@example.com", "bob@example.com", "Subscription of bob@example.com."):
        LogEntry.objects.create(
            user=staff, content_type=kind, object_id="0", object_repr=repr_, action_flag=CHANGE
        )

    exported = export_subject(Subject(user_id=bob.pk, emails=frozenset({"bob@example.com"})))
    rows = exported["accounts"]["admin.LogEntry"]
    assert sorted(row["object_repr"] for row in rows) == [
        "Subscription of bob@example.com.",
        "bob@example.com",
    ]
