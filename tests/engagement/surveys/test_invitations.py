"""Inviting customers to a survey by service mail (P6, P9): once per customer and survey, never
to disabled accounts, restricted processing, unverified addresses or staff (P20)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from candor.accounts.services import disable_account
from candor.engagement.surveys import services
from candor.engagement.surveys.models import Participation, Survey, SurveyEvent
from candor.messaging.models import MailClass, OutboxMessage
from tests.factories import UserFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db


def customer(email, **fields):
    return VerifiedEmailFactory(user=UserFactory(email=email, **fields)).user


@pytest.fixture
def people(built):
    found = {
        "amna": customer("amna@example.com"),
        "bilal": customer("bilal@example.com"),
        "disabled": customer("disabled@example.com"),
        "restricted": customer("restricted@example.com", processing_restricted=True),
        "staff": customer("staff@example.com", is_staff=True),
        "answered": customer("answered@example.com"),
        "unverified": UserFactory(email="unverified@example.com"),
    }
    disable_account(user=found["disabled"], acting_user=None)
    # the restricted customer also has a second verified address
    EmailAddress.objects.create(user=found["restricted"], email="r2@example.com", verified=True)
    Participation.objects.create(
        survey=built.survey, user=found["answered"], survey_closes_on=built.survey.closes_at.date()
    )
    mail.outbox.clear()
    return found


def test_p6_staff_see_how_many_will_be_invited(admin_client, built, people):
    page = admin_client.get(reverse("admin:surveys_invite", args=[built.survey.pk]))
    assert page.status_code == 200
    assert page.context["count"] == 2


def test_p6_invitations_go_once_to_each_active_verified_customer(
    admin_client, admin_user, built, people, committed
):
    response = committed(admin_client.post, reverse("admin:surveys_invite", args=[built.survey.pk]))
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["amna@example.com", "bilal@example.com"]
    sent = mail.outbox[0]
    assert sent.subject == "Your opinion on Candor: Shopping with us"
    assert "http://testserver/surveys/shopping/" in sent.body
    assert "you can choose to answer anonymously" in sent.body
    assert "It contains no advertising." in sent.body
    assert "List-Unsubscribe" not in sent.extra_headers
    rows = OutboxMessage.objects.filter(mailing=f"survey:{built.survey.pk}")
    assert sorted(rows.values_list("idempotency_key", flat=True)) == sorted(
        f"survey:{built.survey.pk}:user:{people[name].pk}" for name in ("amna", "bilal")
    )
    assert set(rows.values_list("mail_class", flat=True)) == {MailClass.SERVICE}
    event = SurveyEvent.objects.get(action=SurveyEvent.Action.INVITED)
    assert (event.acting_user, event.recipients) == (admin_user, 2)

    # inviting again sends nothing more ...
    committed(admin_client.post, reverse("admin:surveys_invite", args=[built.survey.pk]))
    assert len(mail.outbox) == 2
    assert rows.count() == 2
    # ... except to a customer who was not there the first time
    customer("chen@example.com")
    committed(services.invite_to_survey, survey=built.survey, acting_user=None)
    assert [m.to for m in mail.outbox[2:]] == [["chen@example.com"]]
    assert list(
        SurveyEvent.objects.filter(action="invited")
        .order_by("pk")
        .values_list("recipients", flat=True)
    ) == [2, 0, 1]


def test_p6_invitations_written_twice_by_a_retried_task_are_not_duplicated(built, people):
    event = SurveyEvent.objects.create(survey=built.survey, action=SurveyEvent.Action.INVITED)
    assert services.write_invitations(event.pk) == 2
    assert services.write_invitations(event.pk) == 0
    assert OutboxMessage.objects.filter(mailing=f"survey:{built.survey.pk}").count() == 2


def test_p6_a_survey_that_is_not_open_invites_nobody(admin_client, built, people, committed):
    Survey.objects.filter(pk=built.survey.pk).update(status="draft", opens_at=None, closes_at=None)
    page = committed(
        admin_client.post, reverse("admin:surveys_invite", args=[built.survey.pk]), follow=True
    )
    assert b"Invite customers while the survey is open." in page.content
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(template=services.INVITATION_TEMPLATE).exists()
    assert not SurveyEvent.objects.exists()
