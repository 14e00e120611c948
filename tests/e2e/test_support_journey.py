import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from candor.engagement.support.models import Feedback, Message, Thread, ThreadStatus
from candor.engagement.support.services import answer_thread
from candor.messaging.models import MailClass, OutboxMessage
from tests.factories import UserFactory

CARD = "4242 4242 4242 4242"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guest_asks_staff_answer_and_the_guest_replies_through_the_mailed_link(page, screenshot):
    """P5, P13: a guest writes to customer service from the footer's "Contact us" link,
    pasting a card number by mistake; the page says it was hidden and the stored message
    holds only its last four digits. Staff answer; the answer mail carries a signed link that
    opens the conversation without signing in, and the guest's reply reopens the thread."""
    from playwright.sync_api import expect

    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Contact us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    page.get_by_label("Your name").fill("Amna Riaz")
    page.get_by_label("Your email address").fill("amna.guest@example.com")
    page.get_by_label("Subject", exact=True).fill("Screen protector size")
    page.get_by_label("Message", exact=True).fill(
        f"Does it fit the G42? My card is {CARD}, charge it."
    )
    screenshot("01-contact")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_text("hid what looked like a card number")).to_be_visible()
    screenshot("02-sent")
    thread = Thread.objects.get()
    first = Message.objects.get(thread=thread)
    assert CARD not in first.body and "4242 4242 4242 4242" not in first.body
    assert first.body.endswith("•••• •••• •••• 4242, charge it.")

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="answer_thread"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached per object
    answer_thread(thread=thread, body="Yes, it fits the G42.", acting_user=staff)
    # Its body (a link that opens the thread) is removed from the outbox once sent: read the
    # message as delivered.
    row = OutboxMessage.objects.filter(to_email="amna.guest@example.com").order_by("-id")[0]
    assert (row.mail_class, row.sensitive) == (MailClass.TRANSACTIONAL, True)
    delivered = [m for m in mail.outbox if m.to == ["amna.guest@example.com"]][-1]
    link = re.search(r"https?://\S+/support/t/[^/\s]+/", delivered.body).group(0)

    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.get_by_text("Yes, it fits the G42.")).to_be_visible()
    page.get_by_label("Your reply").fill("Thank you, ordering now.")
    page.get_by_role("button", name=re.compile("^Send")).first.click()
    expect(page.get_by_text("Thank you, ordering now.")).to_be_visible()
    screenshot("03-thread")

    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN
    assert list(thread.messages.order_by("id").values_list("author_kind", flat=True)) == [
        "customer",
        "staff",
        "customer",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_footer_feedback_form_works_without_javascript_and_keeps_only_words_and_page(
    browser, live_server
):
    """P5, P1: the feedback form in every page's footer posts without JavaScript, sets no
    cookie, and stores only the words and the page it was sent from."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/privacy/")
        footer = page.get_by_role("contentinfo")
        footer.get_by_label(re.compile("Feedback on this shop")).fill("The policy is clear.")
        footer.get_by_role("button", name="Send feedback").click()

        assert page.get_by_text(re.compile("Thank", re.IGNORECASE)).first.is_visible()
        assert context.cookies() == []
    finally:
        context.close()

    feedback = Feedback.objects.get()
    assert (feedback.message, feedback.page_path) == ("The policy is clear.", "/privacy/")
