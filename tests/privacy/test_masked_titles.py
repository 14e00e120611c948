"""P15, issue 11 item 2: every place the back office prints a record names it masked.

Besides titles, breadcrumbs, history and inline headings (test_staff_access.py), Django's admin
prints `str(obj)` on the delete confirmation (the record and everything deleted with it), in
the "saved" message, in the action checkbox's label and in `LogEntry.object_repr` (stored, and
shown under "Recent actions"). A customer's `__str__` is their email or postal address.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from candor.messaging.models import Subscription
from tests.factories import AddressFactory, UserFactory, VerifiedEmailFactory

from .staff_roles import change_form_data, signed_in, staff_in
from .test_erasure import EMAIL, FIRST, LAST, NAME, PHONE, build_customer

LINE = "12 Zephyr Lane"
RAW = (EMAIL, NAME, FIRST, LAST, PHONE, LINE)


@pytest.fixture
def customer(place, variant, committed):
    call_command("ensure_roles", verbosity=0)
    user = build_customer(place, variant, committed)[0]
    user.addresses.update(line1=LINE)
    return user


def _raw_in(html: str) -> set[str]:
    return {value for value in RAW if value in html}


def test_p15_the_delete_confirmation_names_the_record_and_what_goes_with_it_masked(db):
    call_command("ensure_roles", verbosity=0)
    customer = UserFactory(email=EMAIL, first_name=FIRST, last_name=LAST, phone=PHONE)
    VerifiedEmailFactory(user=customer)
    AddressFactory(owner=customer, name=NAME, line1=LINE, phone=PHONE)
    owner = signed_in(staff_in("Owner"))

    page = owner.get(f"/backoffice/accounts/user/{customer.pk}/delete/")

    assert page.status_code == 200
    html = page.content.decode()
    assert _raw_in(html) == set()
    assert "z***@e***.org" in html  # the user, and the sign-in address deleted with it
    assert "Z*** Q***" in html  # the address book entry, by its masked name


def test_p15_the_bulk_delete_confirmation_names_records_masked(customer):
    owner = signed_in(staff_in("Owner"))
    ids = list(Subscription.objects.values_list("pk", flat=True))

    page = owner.post(
        "/backoffice/messaging/subscription/",
        {"action": "delete_selected", "_selected_action": ids},
    )

    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()
    assert _raw_in(page.content.decode()) == set()
    assert Subscription.objects.count() == len(ids)  # only asked, nothing deleted


def test_p15_the_admin_log_and_the_saved_message_name_the_record_masked(customer):
    owner = signed_in(staff_in("Owner"))
    url = f"/backoffice/accounts/user/{customer.pk}/change/"
    data = change_form_data(owner.get(url))
    data["processing_restricted"] = "on"

    saved = owner.post(url, data, follow=True)

    assert saved.status_code == 200, saved.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.processing_restricted is True
    entry = LogEntry.objects.get(object_id=str(customer.pk), user__groups__name="Owner")
    assert entry.object_repr == "z***@e***.org"
    # The list it lands on shows this role the addresses; the message names the record masked.
    message = [str(m) for m in saved.context["messages"]]
    assert len(message) == 1 and "was changed successfully" in message[0]
    assert "z***@e***.org" in message[0] and _raw_in(message[0]) == set()
    # "Recent actions" on the index page shows the stored name.
    index = owner.get("/backoffice/").content.decode()
    assert "z***@e***.org" in index and _raw_in(index) == set()


def test_p15_the_action_checkbox_label_does_not_name_the_customer(customer):
    """A role that may change accounts but not see contact details gets a masked list; the
    checkbox beside each row is labelled with the record too."""
    clerk = signed_in(staff_in(permissions=("accounts.view_user", "accounts.change_user")))

    listing = clerk.get("/backoffice/accounts/user/").content.decode()

    assert 'class="action-select"' in listing
    assert EMAIL not in listing and "z***@e***.org" in listing
