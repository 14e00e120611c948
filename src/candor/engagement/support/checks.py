"""support.W001: photos an earlier version stored under MEDIA_ROOT/support/, where `/media/`
and the reverse proxy serve them to anyone with the URL."""

from django.core.checks import Warning, register
from django.core.files.storage import default_storage

from .files import ATTACHMENT_DIR


@register()
def check_no_photos_left_in_public_media(app_configs=None, **kwargs):
    try:
        _dirs, names = default_storage.listdir(ATTACHMENT_DIR)
    except (FileNotFoundError, NotImplementedError):
        return []
    if not names:
        return []
    return [
        Warning(
            f"{len(names)} support photo file(s) are still under MEDIA_ROOT/{ATTACHMENT_DIR}/, "
            "which is served publicly.",
            hint="Run `manage.py move_support_photos` to move them to PRIVATE_MEDIA_ROOT.",
            id="support.W001",
        )
    ]
