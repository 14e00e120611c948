"""Staff see survey results only in aggregate (P6): counts, shares, rating histograms and means,
and written answers without names, except for respondents who asked to be contacted."""

import csv
import io
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from candor.engagement.surveys import charts, services
from candor.engagement.surveys.services import AnswerData
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def answer(built, user, *, single, multiple=(), rating=None, text="", **options):
    given = [AnswerData(built.single.pk, choice_ids=(single.pk,))]
    if multiple:
        given.append(AnswerData(built.multiple.pk, choice_ids=tuple(c.pk for c in multiple)))
    if rating:
        given.append(AnswerData(built.rating.pk, rating=rating))
    if text:
        given.append(AnswerData(built.text.pk, text=text))
    services.submit_response(
        survey=built.survey,
        user=user,
        anonymous=options.get("anonymous", False),
        contact_ok=options.get("contact_ok", False),
        answers=given,
        token=uuid.uuid4(),
    )


@pytest.fixture
def answered(built):
    """Four responses: named and happy to be contacted, named only, anonymous, a guest."""
    ayesha = UserFactory(email="ayesha@example.com", first_name="Ayesha", last_name="Khan")
    bilal = UserFactory(email="bilal@example.com", first_name="Bilal", last_name="Qureshi")
    chen = UserFactory(email="chen@example.com", first_name="Chen", last_name="Xiaoming")
    answer(
        built,
        ayesha,
        single=built.search,
        multiple=[built.phone, built.case],
        rating=5,
        text="Call me about the charger",
        contact_ok=True,
    )
    answer(built, bilal, single=built.search, multiple=[built.phone], rating=3, text=SCRIPT)
    answer(built, chen, single=built.friend, rating=4, text="Cheaper shipping", anonymous=True)
    answer(built, None, single=built.search, multiple=[built.case])
    return built


# Bilal answered under his name but did not ask to be contacted; Chen answered anonymously.
NOT_SHOWN = ["bilal@example.com", "Bilal", "Qureshi", "chen@example.com", "Chen", "Xiaoming"]


def test_p6_results_show_exact_counts_shares_and_means(admin_client, answered):
    page = admin_client.get(reverse("admin:surveys_results", args=[answered.survey.pk]))
    assert page.status_code == 200
    results = page.context["results"]
    assert results.responses == 4
    single, multiple, rating, text = results.questions
    assert single.answered == 4
    assert [(s.label, s.count, s.percent) for s in single.shares] == [
        ("A search engine", 3, 75.0),
        ("A friend", 1, 25.0),
    ]
    assert multiple.answered == 3
    assert [(s.label, s.count, s.percent) for s in multiple.shares] == [
        ("A phone", 2, 66.7),
        ("A case", 2, 66.7),
        ("A charger", 0, 0.0),
    ]
    assert rating.answered == 3
    assert [(s.label, s.count) for s in rating.shares] == [
        ("1", 0),
        ("2", 0),
        ("3", 1),
        ("4", 1),
        ("5", 1),
    ]
    assert rating.mean == 4.0
    assert text.answered == 3
    assert sorted((w.text, w.contact_name, w.contact_email) for w in text.written) == [
        (SCRIPT, "", ""),
        ("Call me about the charger", "Ayesha Khan", "ayesha@example.com"),
        ("Cheaper shipping", "", ""),
    ]
    html = page.content.decode()
    assert "<strong>4</strong> responses" in html
    assert '<strong class="mean">4.00</strong>' in html
    assert html.count('<svg role="img"') == 3  # single, multiple and rating charts
    assert "Ayesha Khan" in html and "mailto:ayesha@example.com" in html


def test_p6_results_never_name_anonymous_or_non_contact_respondents(admin_client, answered):
    page = admin_client.get(reverse("admin:surveys_results", args=[answered.survey.pk]))
    csv_file = admin_client.get(reverse("admin:surveys_results_csv", args=[answered.survey.pk]))
    html, text = page.content.decode(), csv_file.content.decode()
    for secret in NOT_SHOWN:
        assert secret not in html, secret
        assert secret not in text, secret


def test_p6_html_in_a_written_answer_is_shown_as_text(admin_client, answered):
    html = admin_client.get(
        reverse("admin:surveys_results", args=[answered.survey.pk])
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html


def test_p6_the_csv_holds_the_aggregate_only(admin_client, answered):
    response = admin_client.get(reverse("admin:surveys_results_csv", args=[answered.survey.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="survey-{answered.survey.pk}-results.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["question", "kind", "answered", "option", "count", "percent", "mean"],
        ["(all)", "responses", "4", "", "", "", ""],
        ["1. How did you find us?", "single", "4", "A search engine", "3", "75.0", ""],
        ["1. How did you find us?", "single", "4", "A friend", "1", "25.0", ""],
        ["2. What do you own?", "multiple", "3", "A phone", "2", "66.7", ""],
        ["2. What do you own?", "multiple", "3", "A case", "2", "66.7", ""],
        ["2. What do you own?", "multiple", "3", "A charger", "0", "0.0", ""],
        ["3. How happy are you?", "rating", "3", "1", "0", "0.0", "4.00"],
        ["3. How happy are you?", "rating", "3", "2", "0", "0.0", "4.00"],
        ["3. How happy are you?", "rating", "3", "3", "1", "33.3", "4.00"],
        ["3. How happy are you?", "rating", "3", "4", "1", "33.3", "4.00"],
        ["3. How happy are you?", "rating", "3", "5", "1", "33.3", "4.00"],
        ["4. Anything else?", "text", "3", "", "", "", ""],
    ]
    assert "Call me about the charger" not in response.content.decode()


def test_p6_the_results_page_query_count_is_pinned(
    admin_client, answered, django_assert_num_queries
):
    url = reverse("admin:surveys_results", args=[answered.survey.pk])
    admin_client.get(url)
    # session, user, the MFA gate's authenticator check; survey, response count, questions
    # with counts and means, choice counts, rating histogram, written answers; and three the
    # back office's frame makes (set-up checks, the cart count)
    with django_assert_num_queries(12):
        assert admin_client.get(url).status_code == 200
    # the same with many more responses
    for _ in range(5):
        answer(answered, None, single=answered.friend, rating=2, text="More")
    with django_assert_num_queries(12):
        assert admin_client.get(url).status_code == 200


def test_p6_only_staff_allowed_to_see_results_do(answered, mfa_login):
    staff = UserFactory(email="catalogue@example.com", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_survey"))
    client = mfa_login(Client(), staff)
    url = reverse("admin:surveys_results", args=[answered.survey.pk])
    assert client.get(url).status_code == 403
    assert client.get(url.replace("results", "results.csv").rstrip("/")).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_results"))
    assert client.get(url).status_code == 200
    guest = Client().get(url)
    assert guest.status_code == 302  # to sign in


def test_p6_chart_labels_are_escaped_and_carry_no_script():
    svg = charts.bar_chart(
        ["<b>Bold</b>", "Plain"], [2, 1], title="A <i>title</i>", horizontal=True
    )
    assert "<b>Bold" not in svg and "&lt;b&gt;Bold" in svg
    assert 'aria-label="A &lt;i&gt;title&lt;/i&gt;"' in svg
    assert "<script" not in svg
