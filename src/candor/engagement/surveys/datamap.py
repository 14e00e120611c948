"""What surveys keep, for the data map (X1).

Surveys, questions and choices are the shop's own words. A response is personal data: who
answered (only when they answered under their name), whether they may be contacted, the day,
and the answers. Answering is optional and each answer is given by choice, so the basis is
consent: named answers can be withdrawn on the survey's page; anonymous ones are linked to
nobody and cannot be. Responses are deleted two years after the day they came in (the answers
with them). The marker that a customer answered a survey, kept so each answers once, is
deleted the day after the survey closes.
"""

from candor.privacy.datamap import NOT_PERSONAL, YEAR, declare, declare_not_personal, keep, personal

from .models import Answer, Choice, Participation, Question, Response, Survey, SurveyEvent

RESPONSE_KEEP = keep(2 * YEAR, "delete")
RESPONSE_NOTE = (
    "Deleted two years after the day of the answer, and at once when the customer withdraws a "
    "named answer or their account is deleted."
)


def _answer(note: str = RESPONSE_NOTE, *, source: str = "given"):
    return personal(
        "content.survey",
        purposes=["improvement"],
        basis="consent",
        source=source,
        keep=RESPONSE_KEEP,
        note=note,
    )


def _staff():
    return personal(
        "security.audit",
        purposes=["security"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(30, "pseudonymize", since="staff_departure"),
        note="The staff member who did it; the link is cleared within 30 days of a request to "
        "delete that member's account.",
    )


declare(
    Survey,
    fields={
        "title": NOT_PERSONAL,
        "intro": NOT_PERSONAL,
        "slug": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "opens_at": NOT_PERSONAL,
        "closes_at": NOT_PERSONAL,
        "allow_anonymous": NOT_PERSONAL,
        "created_by": _staff(),
        "created_at": NOT_PERSONAL,
    },
)
declare_not_personal(Question, reason="The shop's questions.")
declare_not_personal(Choice, reason="The answers a question offers, written by the shop.")

declare(
    Response,
    fields={
        "survey": _answer(),  # which survey you answered
        "user": _answer("Empty when you answer anonymously. " + RESPONSE_NOTE, source="automatic"),
        "contact_ok": _answer(),
        "created": _answer(
            "The day only, never the time, so an anonymous answer cannot be matched to a "
            "visit. " + RESPONSE_NOTE,
            source="automatic",
        ),
        "token": NOT_PERSONAL,  # random, only stops a form sent twice from counting twice
    },
    age_field="created",
)

declare(
    Answer,
    fields={
        "response": _answer("Deleted with its response. " + RESPONSE_NOTE, source="automatic"),
        "question": _answer("Deleted with its response. " + RESPONSE_NOTE),
        "choices": _answer("Deleted with its response. " + RESPONSE_NOTE),
        "rating": _answer("Deleted with its response. " + RESPONSE_NOTE),
        "text": _answer(
            "Card numbers are masked before it is stored (P13). Deleted with its response. "
            + RESPONSE_NOTE
        ),
    },
)

PARTICIPATION_NOTE = (
    "That a signed-in customer answered a survey, not what or when; kept so each customer "
    "answers once, and deleted the day after the survey closes."
)


def _participation():
    return personal(
        "content.survey",
        purposes=["improvement"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(1, "delete", since="ended"),
        note=PARTICIPATION_NOTE,
    )


declare(
    Participation,
    fields={
        "id": NOT_PERSONAL,  # random
        "survey": _participation(),
        "user": _participation(),
        "survey_closes_on": NOT_PERSONAL,  # the survey's closing day, the same for everyone
    },
    age_field="survey_closes_on",
)

declare(
    SurveyEvent,
    fields={
        "survey": NOT_PERSONAL,
        "action": NOT_PERSONAL,
        "acting_user": _staff(),
        "note": NOT_PERSONAL,  # written by the service: a period, a closing time
        "recipients": NOT_PERSONAL,  # a count
        "created_at": NOT_PERSONAL,
    },
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
