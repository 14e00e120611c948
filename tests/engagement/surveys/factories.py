"""Factories for surveys (kept beside their tests)."""

from datetime import timedelta

import factory
from django.utils import timezone

from candor.engagement.surveys.models import Choice, Question, Survey


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    title = factory.Sequence(lambda n: f"Survey {n}")
    slug = factory.Sequence(lambda n: f"survey-{n}")
    intro = "Tell us how we are doing."


class OpenSurveyFactory(SurveyFactory):
    status = Survey.Status.PUBLISHED
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(int)
    kind = Question.Kind.SINGLE
    text = factory.Sequence(lambda n: f"Question {n}?")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Choice {n}")
