from dataclasses import dataclass

import pytest

from candor.engagement.surveys.models import Choice, Question, Survey

from .factories import ChoiceFactory, OpenSurveyFactory, QuestionFactory


@dataclass
class Built:
    survey: Survey
    single: Question  # required: "How did you find us?"
    multiple: Question  # "What do you own?"
    rating: Question  # "How happy are you?"
    text: Question  # "Anything else?"
    search: Choice
    friend: Choice
    phone: Choice
    case: Choice
    charger: Choice


def build_survey(**survey_fields) -> Built:
    survey = OpenSurveyFactory(title="Shopping with us", slug="shopping", **survey_fields)
    single = QuestionFactory(
        survey=survey,
        position=1,
        kind=Question.Kind.SINGLE,
        text="How did you find us?",
        required=True,
    )
    search = ChoiceFactory(question=single, position=1, text="A search engine")
    friend = ChoiceFactory(question=single, position=2, text="A friend")
    multiple = QuestionFactory(
        survey=survey, position=2, kind=Question.Kind.MULTIPLE, text="What do you own?"
    )
    phone = ChoiceFactory(question=multiple, position=1, text="A phone")
    case = ChoiceFactory(question=multiple, position=2, text="A case")
    charger = ChoiceFactory(question=multiple, position=3, text="A charger")
    rating = QuestionFactory(
        survey=survey, position=3, kind=Question.Kind.RATING, text="How happy are you?"
    )
    text = QuestionFactory(
        survey=survey, position=4, kind=Question.Kind.TEXT, text="Anything else?"
    )
    return Built(survey, single, multiple, rating, text, search, friend, phone, case, charger)


@pytest.fixture
def built(db) -> Built:
    return build_survey()
