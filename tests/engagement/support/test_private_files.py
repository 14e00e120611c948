"""P5: support photos are private. They are kept outside MEDIA_ROOT (which `/media/` and the
reverse proxy serve to anyone with the URL), have no public URL, and only the access-checked
views serve them; photos an earlier version left in MEDIA_ROOT are moved by a command."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client, override_settings

from candor.core.checks import check_private_files_are_not_served
from candor.core.storage import private_storage
from candor.engagement.support.checks import check_no_photos_left_in_public_media
from candor.engagement.support.images import clean_image
from candor.engagement.support.links import thread_token
from candor.engagement.support.models import Attachment
from tests.factories import UserFactory

from .conftest import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_served(settings):
    """The embedded shop serves MEDIA_ROOT at `/media/` (SERVE_MEDIA, on outside production)."""
    from django.urls import resolve

    assert settings.SERVE_MEDIA is True
    assert resolve("/media/anything").url_name is None  # the route exists


@pytest.fixture
def thread_with_photo(open_thread, shopper):
    posted = open_thread(images=[clean_image(photo())], customer=shopper, email=shopper.email)
    return posted.thread, Attachment.objects.get(message__thread=posted.thread)


def test_p5_photos_are_stored_outside_the_public_media_root(thread_with_photo, settings):
    _, attachment = thread_with_photo
    path = Path(attachment.file.path)
    assert path.is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT) in path.parents
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert not default_storage.exists(attachment.file.name)
    with pytest.raises(ValueError, match="no URL"):
        _ = attachment.file.url


def test_p5_media_does_not_serve_support_photos(thread_with_photo, media_served):
    """Whoever has (or guesses) the file's name gets 404 from /media/; a public file there is
    still served (product images)."""
    _, attachment = thread_with_photo
    default_storage.save("products/phone.jpg", ContentFile(b"public image"))

    assert Client().get(f"/media/{attachment.file.name}").status_code == 404
    public = Client().get("/media/products/phone.jpg")
    assert (public.status_code, b"".join(public.streaming_content)) == (200, b"public image")


def test_p5_the_access_checked_views_still_serve_the_photo_to_the_right_people_only(
    thread_with_photo, browser, admin_client
):
    thread, attachment = thread_with_photo
    content = attachment.file.open("rb").read()
    own = f"/support/mine/{thread.number}/files/{attachment.pk}/"
    by_link = f"/support/t/{thread_token(thread.number)}/files/{attachment.pk}/"
    staff = f"/backoffice/support/thread/{thread.pk}/files/{attachment.pk}/"
    for client, url in ((browser, own), (Client(), by_link), (admin_client, staff)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) == content

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(own).status_code == 404
    assert Client().get(own).status_code == 302  # to sign in
    assert Client().get(f"/support/t/forged/files/{attachment.pk}/").status_code == 404
    assert stranger.get(staff).status_code == 302  # not staff: the back office's sign-in


def test_p5_the_command_moves_photos_left_in_media_root_once(
    open_thread, shopper, browser, media_served
):
    """After upgrading: a photo stored by an earlier version under MEDIA_ROOT/support/ is
    moved to private storage; its row finds it there, /media/ no longer serves it, running
    the command again changes nothing, and the system check stops warning."""
    thread, attachment = _thread_with_photo_in_public_root(open_thread, shopper)
    name = attachment.file.name
    assert Client().get(f"/media/{name}").status_code == 200  # the hole being closed
    (warning,) = check_no_photos_left_in_public_media()
    assert warning.id == "support.W001"
    assert warning.hint == (
        "Run `manage.py move_support_photos` to move them to PRIVATE_MEDIA_ROOT."
    )

    out = io.StringIO()
    call_command("move_support_photos", stdout=out)

    assert out.getvalue().startswith("1 support photo file(s) moved to ")
    assert not default_storage.exists(name)
    assert private_storage().open(name).read() == b"earlier photo"
    assert Client().get(f"/media/{name}").status_code == 404
    served = browser.get(f"/support/mine/{thread.number}/files/{attachment.pk}/")
    assert b"".join(served.streaming_content) == b"earlier photo"
    assert check_no_photos_left_in_public_media() == []

    again = io.StringIO()
    call_command("move_support_photos", stdout=again)
    assert again.getvalue() == "No support photos left in MEDIA_ROOT.\n"
    assert private_storage().open(name).read() == b"earlier photo"


def test_p5_an_interrupted_move_finishes_without_losing_a_file(open_thread, shopper):
    """The private copy is written before the public one is deleted; a copy already there
    (a run that stopped in between) is kept, and the public one goes."""
    _, attachment = _thread_with_photo_in_public_root(open_thread, shopper)
    name = attachment.file.name
    private_storage().save(name, ContentFile(b"earlier photo"))

    call_command("move_support_photos", stdout=io.StringIO())

    assert not default_storage.exists(name)
    assert private_storage().open(name).read() == b"earlier photo"


def _thread_with_photo_in_public_root(open_thread, shopper):
    posted = open_thread(customer=shopper, email=shopper.email)
    name = default_storage.save(
        "support/0123456789abcdef0123456789abcdef.jpg", io.BytesIO(b"earlier photo")
    )
    attachment = Attachment.objects.create(
        message=posted.message, file=name, content_type="image/jpeg", size=13
    )
    assert not private_storage().exists(name)
    return posted.thread, attachment


@pytest.mark.parametrize("inside", ["MEDIA_ROOT", "STATIC_ROOT"])
def test_p5_private_files_under_a_served_directory_stop_start_up(settings, tmp_path, inside):
    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "media", tmp_path / "static"
    settings.PRIVATE_MEDIA_ROOT = Path(getattr(settings, inside)) / "private"
    (error,) = check_private_files_are_not_served()
    assert error.id == "core.E001"
    assert error.msg.startswith("PRIVATE_MEDIA_ROOT (")
    assert f"overlaps {inside}" in error.msg


def test_p5_the_default_layout_keeps_private_files_apart(tmp_path):
    with override_settings(
        MEDIA_ROOT=tmp_path / "var" / "media",
        PRIVATE_MEDIA_ROOT=tmp_path / "var" / "private",
        STATIC_ROOT=tmp_path / "staticfiles",
    ):
        assert check_private_files_are_not_served() == []
