"""The answer form: one field per question, built from the survey."""

import uuid

from django import forms

from .models import RATING_MAX, RATING_MIN, TEXT_MAX, Question, Survey
from .services import AnswerData

ANONYMOUS_HELP = (
    "Your answers are stored without your name or account, with only the day they came in. We "
    "still note that you have answered (so each customer answers once), but not which answers "
    "are yours, so anonymous answers cannot be withdrawn later."
)
CONTACT_HELP = "We would then see your name and email address next to your written answers."
RATINGS = [(str(n), str(n)) for n in range(RATING_MIN, RATING_MAX + 1)]


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class AnswerForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, survey: Survey, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.signed_in = signed_in
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4()
        self.questions = list(survey.questions.all())  # prefetched with their choices
        for question in self.questions:
            self.fields[field_name(question)] = self._field(question)
        if signed_in:
            self.fields["anonymous"] = forms.BooleanField(
                label="Answer anonymously", required=False, help_text=ANONYMOUS_HELP
            )
            self.fields["contact_ok"] = forms.BooleanField(
                label="You may contact me about my answers", required=False, help_text=CONTACT_HELP
            )

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.text, "required": question.required}
        choices = [(str(choice.pk), choice.text) for choice in question.choices.all()]
        if question.kind == Question.Kind.SINGLE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if question.kind == Question.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        if question.kind == Question.Kind.RATING:
            return forms.ChoiceField(
                choices=RATINGS,
                widget=forms.RadioSelect,
                help_text=f"{RATING_MIN} is the lowest, {RATING_MAX} the highest.",
                **common,
            )
        return forms.CharField(
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=f"Up to {TEXT_MAX} characters. Please do not write card numbers.",
            **common,
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("anonymous") and cleaned.get("contact_ok"):
            self.add_error(
                "contact_ok",
                "We cannot contact you about an anonymous answer: untick one of the two.",
            )
        if not self.errors and all(answer.empty for answer in self.answers()):
            raise forms.ValidationError("Answer at least one question, or simply leave the survey.")
        return cleaned

    def answers(self) -> list[AnswerData]:
        found = []
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if question.kind == Question.Kind.SINGLE:
                found.append(AnswerData(question.pk, choice_ids=(int(value),) if value else ()))
            elif question.kind == Question.Kind.MULTIPLE:
                found.append(AnswerData(question.pk, choice_ids=tuple(int(v) for v in value or ())))
            elif question.kind == Question.Kind.RATING:
                found.append(AnswerData(question.pk, rating=int(value) if value else None))
            else:
                found.append(AnswerData(question.pk, text=value or ""))
        return found

    @property
    def fields_for_questions(self):
        return [(question, self[field_name(question)]) for question in self.questions]
