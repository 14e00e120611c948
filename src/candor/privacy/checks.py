"""System checks that keep the data map true (X1).

privacy.E001  a field of an installed model is not declared
privacy.E002  a declaration names an unknown category, purpose, basis, source, recipient or
              end action
privacy.E003  a declaration names a field or model that does not exist
privacy.W001  the data map in the code differs from the last published policy (a database
              check: it runs with `check --database default` and before `migrate`)
privacy.W010  PRIVACY_MIDDLEWARE is off (a benchmark switch) while DEBUG is off
"""

from django.apps import apps
from django.core.checks import Error, Tags, Warning, register

from . import vocabulary
from .datamap import Personal, declarations


def declarable_fields(model) -> list[str]:
    """Every field that stores something: concrete columns and many-to-many links. An
    automatic primary key is a row number, not data, and is left out."""
    names = []
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations: declared on the model that holds the column
        if getattr(field, "primary_key", False) and field.auto_created:
            continue
        if field.concrete or field.many_to_many:
            names.append(field.name)
    return names


def _unknown_words(spec: Personal) -> list[str]:
    problems = []
    if spec.category not in vocabulary.CATEGORIES:
        problems.append(f"category {spec.category!r}")
    problems += [f"purpose {p!r}" for p in spec.purposes if p not in vocabulary.PURPOSES]

    if spec.basis not in vocabulary.LEGAL_BASES:
        problems.append(f"legal basis {spec.basis!r}")
    if spec.source not in vocabulary.SOURCES:
        problems.append(f"source {spec.source!r}")
    problems += [f"recipient {r!r}" for r in spec.recipients if r not in vocabulary.RECIPIENTS]

    problems += [
        f"end action {r.then!r}" for r in spec.retention if r.then not in vocabulary.END_ACTIONS
    ]
    problems += [
        f"retention start {r.since!r}"
        for r in spec.retention
        if r.since not in vocabulary.RETENTION_FROM
    ]
    return problems


@register()
def check_data_map(app_configs=None, **kwargs):
    errors = []
    declared = declarations()
    for model in apps.get_models():
        label = model._meta.label
        declaration = declared.get(label)
        if declaration is not None and declaration.whole_model_not_personal:
            continue
        fields = declaration.fields if declaration else {}
        for name in declarable_fields(model):
            if name not in fields:
                errors.append(
                    Error(
                        f"{label}.{name} is not in the data map.",
                        hint=f"Declare it in the datamap.py of the app that owns {label}: "
                        "personal(...) with category, purposes, basis, source and retention, "
                        "or NOT_PERSONAL.",
                        obj=model,
                        id="privacy.E001",
                    )
                )
    for label, declaration in declared.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            errors.append(
                Error(f"The data map declares {label}, which is not installed.", id="privacy.E003")
            )
            continue
        real = set(declarable_fields(model))
        for name, spec in declaration.fields.items():
            if name not in real:
                errors.append(
                    Error(
                        f"The data map declares {label}.{name}, which does not exist.",
                        obj=model,
                        id="privacy.E003",
                    )
                )
            elif isinstance(spec, Personal):
                for missing in ("purposes", "retention"):
                    if not getattr(spec, missing):
                        errors.append(
                            Error(
                                f"{label}.{name} declares no {missing}.",
                                obj=model,
                                id="privacy.E002",
                            )
                        )
                for problem in _unknown_words(spec):
                    errors.append(
                        Error(
                            f"{label}.{name} names an unknown {problem}.",
                            hint="Use a word from candor/privacy/vocabulary.py, or add it there "
                            "with the phrase the policy should print.",
                            obj=model,
                            id="privacy.E002",
                        )
                    )
        if declaration.age_field and declaration.age_field not in real:
            errors.append(
                Error(
                    f"{label} names age field {declaration.age_field!r}, which does not exist.",
                    obj=model,
                    id="privacy.E003",
                )
            )
    return errors


@register(Tags.database)
def check_policy_drift(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    from django.db.utils import DatabaseError

    from .policy import drift

    try:
        stale = drift()
    except DatabaseError:  # not migrated yet: nothing published to drift from
        return []
    if stale is None:
        return []
    return [
        Warning(
            f"The data map differs from the published privacy policy (version {stale.number}).",
            hint="Publish a new version (manage.py publish_policy --summary '...') so the "
            "policy says what the code does.",
            id="privacy.W001",
        )
    ]


@register(Tags.security)
def check_privacy_middleware_on(app_configs=None, **kwargs):
    from django.conf import settings

    if getattr(settings, "PRIVACY_MIDDLEWARE", "on") == "on" or settings.DEBUG:
        return []
    return [
        Warning(
            "PRIVACY_MIDDLEWARE is off: cookie consent is not enforced and no server log or "
            "page count is kept.",
            hint="The switch exists only for bench/load.py's measurement. Unset "
            "PRIVACY_MIDDLEWARE (or set it to 'on') in production.",
            id="privacy.W010",
        )
    ]
