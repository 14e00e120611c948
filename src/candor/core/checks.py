"""System checks for where files live (candor.core.storage)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@register()
def check_private_files_are_not_served(app_configs=None, **kwargs):
    """core.E001: PRIVATE_MEDIA_ROOT inside a directory that is served to anyone (MEDIA_ROOT,
    STATIC_ROOT) would publish every private upload."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = getattr(settings, name, None)
        if served and (
            _inside(private, Path(served).resolve()) or _inside(Path(served).resolve(), private)
        ):
            errors.append(
                Error(
                    f"PRIVATE_MEDIA_ROOT ({private}) overlaps {name} ({served}), which is served "
                    "to anyone: private uploads would be public.",
                    hint=f"Give PRIVATE_MEDIA_ROOT a directory of its own, outside {name}.",
                    id="core.E001",
                )
            )
    return errors
