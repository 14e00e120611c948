"""P5: customers may attach up to three photos to a support message. Each is judged by its
content (a real JPEG, PNG or WebP of at most 5 MB and 25 megapixels, judged from its header
before anything is decoded), stored under a random name, scaled down to 2560 pixels on the
longer side and re-encoded, so where and with what it was taken (EXIF: GPS, camera, time) is
not kept. Only the thread's customer (signed in or through the link) and staff can open them."""

import io
import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from candor.core.storage import private_storage
from candor.engagement.support import services
from candor.engagement.support.images import MAX_BYTES, ImageRefused, clean_image
from candor.engagement.support.links import thread_token
from candor.engagement.support.models import Attachment, Message, Thread
from tests.factories import UserFactory

from .conftest import alerts, photo

pytestmark = pytest.mark.django_db

GUEST = {
    "name": "Sana Mir",
    "email": "sana@example.com",
    "subject": "Cracked back",
    "message": "It arrived like this.",
}


def contact(client: Client, images, **data):
    html = client.get("/support/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    return client.post("/support/", {"token": token, **GUEST, **data, "images": images})


def stored_image(attachment: Attachment) -> Image.Image:
    with attachment.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- what is kept -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_p5_photos_are_stored_under_random_names_without_their_metadata(client, kind):
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[kind]
    upload = photo(f"ayesha-khan-home.{extension}", kind=kind)
    assert b"PhoneMaker" in upload.read()  # the original holds the camera and where it was
    upload.seek(0)
    assert Image.open(upload).getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == (31.0, 31.0, 12.0)
    upload.seek(0)
    response = contact(client, [upload])
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert re.fullmatch(rf"support/[0-9a-f]{{32}}\.{extension}", attachment.file.name)
    assert "ayesha" not in attachment.file.name
    assert attachment.content_type == f"image/{'jpeg' if kind == 'JPEG' else kind.lower()}"
    with attachment.file.open("rb") as handle:
        raw = handle.read()
    assert attachment.size == len(raw)
    assert b"PhoneMaker" not in raw and b"Model X" not in raw and b"2025:01:02" not in raw
    image = stored_image(attachment)
    assert image.format == kind and image.size == (40, 30)
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in image.info


def test_p5_a_photo_taken_sideways_is_stored_upright(client):
    contact(client, [photo(orientation=6)])  # "rotate 90° clockwise to view"
    assert stored_image(Attachment.objects.get()).size == (30, 40)


def test_p5_whatever_hides_after_the_picture_is_not_kept(client):
    payload = b"<script>alert(1)</script>PK\x03\x04zip-archive"
    contact(client, [photo(trailer=payload)])
    with Attachment.objects.get().file.open("rb") as handle:
        assert b"script" not in handle.read()


def test_p5_up_to_three_photos_on_a_message(client):
    response = contact(client, [photo(f"{n}.jpg") for n in range(3)])
    assert response.status_code == 302
    assert Attachment.objects.count() == 3
    assert Attachment.objects.values("message").distinct().count() == 1


# --- what is refused ----------------------------------------------------------------------------


def refused(client, images, error):
    response = contact(client, images)
    assert response.status_code == 400
    assert alerts(response) == error
    assert Thread.objects.count() == Message.objects.count() == Attachment.objects.count() == 0
    private = private_storage()
    assert not private.exists("support") or private.listdir("support")[1] == []


def test_p5_a_fourth_photo_is_refused(client):
    refused(client, [photo(f"{n}.jpg") for n in range(4)], ["Attach at most 3 images."])


def test_p5_a_file_disguised_as_a_photo_is_refused(client):
    refused(
        client,
        [
            SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not a picture", "image/jpeg"),
            SimpleUploadedFile(
                "x.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/png"
            ),
        ],
        [
            "“invoice.jpg” is not an image we can open (JPEG, PNG or WebP).",
            "“x.png” is not an image we can open (JPEG, PNG or WebP).",
        ],
    )


def test_p5_an_image_of_another_kind_is_refused(client):
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    refused(
        client,
        [SimpleUploadedFile("a.jpg", gif.getvalue(), "image/jpeg")],
        ["“a.jpg” is not a JPEG, PNG or WebP image."],
    )


def test_p5_a_damaged_photo_is_refused(client):
    whole = photo().read()
    refused(
        client,
        [SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], "image/jpeg")],
        ["“cut.jpg” is damaged or not a complete image."],
    )


def test_p5_a_photo_over_5_mb_is_refused(client):
    big = photo().read() + os.urandom(MAX_BYTES)
    refused(
        client,
        [SimpleUploadedFile("big.jpg", big, "image/jpeg")],
        ["“big.jpg” is larger than 5 MB."],
    )


def test_p5_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = io.BytesIO()
    Image.new("1", (8000, 6000)).save(bomb, "PNG")  # 48 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ImageRefused, match="too many pixels"):
        clean_image(SimpleUploadedFile("bomb.png", bomb.getvalue(), "image/png"))


def solid(size, mode="1", kind="PNG") -> SimpleUploadedFile:
    """One colour, so it compresses to almost nothing whatever its size in pixels."""
    out = io.BytesIO()
    Image.new(mode, size).save(out, kind)
    name = f"solid.{kind.lower()}"
    return SimpleUploadedFile(name, out.getvalue(), f"image/{kind.lower()}")


@pytest.fixture
def decodes(monkeypatch):
    """How many times Pillow decoded image data (ImageFile.load) during the test."""
    from PIL import ImageFile

    calls = []
    load = ImageFile.ImageFile.load

    def counting(self):
        if self.tile:  # data still to decode (a repeated load() is free)
            calls.append(self.size)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return calls


TOO_MANY = "has too many pixels (25 megapixels at most for JPEG, 12 for PNG and WebP)."


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(solid((3465, 3464)), id="PNG just over 12 megapixels"),
        pytest.param(solid((5001, 5000), "L", "JPEG"), id="JPEG just over 25 megapixels"),
        # 40: Pillow warns (its limit is ours), which counts as refused; 60: Pillow refuses.
        pytest.param(solid((8000, 5000), "RGB"), id="PNG of 40 megapixels"),
        pytest.param(solid((10_000, 6000)), id="PNG of 60 megapixels"),
    ],
)
def test_p5_too_many_pixels_are_refused_from_the_header_alone(client, decodes, upload):
    """Three solid PNGs of 40 megapixels once cost seconds and hundreds of MB to decode; the
    header says how many pixels there are, so nothing is decoded."""
    assert upload.size < 400_000
    refused(client, [upload], [f"“{upload.name}” {TOO_MANY}"])
    assert decodes == []


def test_p5_images_up_to_the_caps_are_taken(client, decodes):
    """A 24-megapixel phone photo and a 12-megapixel PNG; the JPEG is decoded at half its
    size, which still covers what is stored."""
    response = contact(client, [solid((3464, 3464)), solid((5712, 4284), "L", "JPEG")])
    assert response.status_code == 302
    assert decodes == [(3464, 3464), (2856, 2142)]
    assert sorted(stored_image(a).size for a in Attachment.objects.all()) == [
        (2560, 1920),
        (2560, 2560),
    ]


def test_p5_a_post_over_the_rate_limit_decodes_no_photo(client, decodes, monkeypatch):
    """The rate limit is checked before any photo is decoded: a refused post costs nothing."""
    from candor.engagement.support import throttle

    monkeypatch.setattr(throttle, "THREADS_PER_HOUR", 0)
    response = contact(client, [photo(f"{n}.jpg") for n in range(3)])
    assert response.status_code == 429
    assert decodes == []
    assert Thread.objects.count() == Attachment.objects.count() == 0


def test_p5_photos_are_decoded_once_the_post_is_let_through(client, decodes):
    response = contact(client, [photo(f"{n}.jpg") for n in range(3)])
    assert response.status_code == 302
    assert decodes == [(40, 30)] * 3


@pytest.mark.parametrize(
    ("kind", "size", "stored"),
    [
        ("JPEG", (4000, 3000), (2560, 1920)),
        ("PNG", (1500, 4500), (853, 2560)),
        ("WEBP", (3000, 3000), (2560, 2560)),
        ("JPEG", (2560, 1000), (2560, 1000)),  # small enough: kept as it is
    ],
)
def test_p5_large_photos_are_stored_scaled_down(client, kind, size, stored):
    upload = photo(f"big.{kind.lower()}", kind=kind, size=size)
    assert contact(client, [upload]).status_code == 302
    image = stored_image(Attachment.objects.get())
    assert (image.format, image.size) == (kind, stored)


def test_p5_pillow_refuses_bombs_in_every_image_the_process_opens():
    assert Image.MAX_IMAGE_PIXELS == 25_000_000


def test_p5_an_empty_file_is_refused(client):
    refused(
        client,
        [SimpleUploadedFile("empty.jpg", b"", "image/jpeg")],
        ["The submitted file is empty."],
    )


# --- who can open them --------------------------------------------------------------------------


def _thread_with_photo(open_thread, **kwargs) -> tuple[Thread, Attachment]:
    image = clean_image(photo())
    thread = open_thread(images=[image], **kwargs).thread
    return thread, Attachment.objects.get(message__thread=thread)


def test_p5_the_customer_opens_their_photos_signed_in_or_through_the_link(
    browser, shopper, open_thread
):
    thread, attachment = _thread_with_photo(open_thread, customer=shopper, email=shopper.email)
    own = f"/support/mine/{thread.number}/files/{attachment.pk}/"
    assert f'href="{own}"' in browser.get(f"/support/mine/{thread.number}/").content.decode()
    response = browser.get(own)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    by_link = f"/support/t/{thread_token(thread.number)}/files/{attachment.pk}/"
    assert Client().get(by_link).status_code == 200


def test_p5_nobody_else_opens_them(browser, open_thread):
    thread, attachment = _thread_with_photo(open_thread, customer=UserFactory())
    mine = open_thread().thread
    assert browser.get(f"/support/mine/{thread.number}/files/{attachment.pk}/").status_code == 404
    # A valid link to another thread does not open this thread's photo.
    other = f"/support/t/{thread_token(mine.number)}/files/{attachment.pk}/"
    assert Client().get(other).status_code == 404
    assert Client().get(f"/support/t/forged/files/{attachment.pk}/").status_code == 404


def test_p5_staff_open_them_in_the_back_office(admin_client, staff_client, open_thread):
    thread, attachment = _thread_with_photo(open_thread)
    url = f"/backoffice/support/thread/{thread.pk}/files/{attachment.pk}/"
    assert admin_client.get(url).status_code == 200
    assert (
        f'href="{url}"'
        in admin_client.get(f"/backoffice/support/thread/{thread.pk}/change/").content.decode()
    )
    assert staff_client().get(url).status_code == 403  # no view permission
    assert staff_client("view_thread").get(url).status_code == 200


def test_p5_files_of_deleted_threads_are_purged(open_thread):
    """Deleting rows (the retention job) does not reach the disk; the daily purge does, and
    leaves alone files a transaction may still be writing."""
    kept, kept_file = _thread_with_photo(open_thread)
    gone, gone_file = _thread_with_photo(open_thread)
    fresh_orphan = private_storage().save("support/fresh.jpg", io.BytesIO(b"x"))
    gone_name = gone_file.file.name
    gone.delete()
    assert services.purge_orphan_files() == 0  # everything is younger than an hour
    hours_ago = time.time() - 2 * 3600
    for name in (gone_name, kept_file.file.name):
        os.utime(private_storage().path(name), (hours_ago, hours_ago))
    assert services.purge_orphan_files() == 1
    assert not private_storage().exists(gone_name)
    assert private_storage().exists(kept_file.file.name)
    assert private_storage().exists(fresh_orphan)
    assert Thread.objects.get() == kept


def test_p5_the_purge_runs_with_nothing_stored_yet():
    assert services.purge_orphan_files() == 0


def test_p5_a_missing_file_is_not_found_not_an_error(browser, shopper, open_thread):
    thread, attachment = _thread_with_photo(open_thread, customer=shopper, email=shopper.email)
    private_storage().delete(attachment.file.name)
    response = browser.get(f"/support/mine/{thread.number}/files/{attachment.pk}/")
    assert response.status_code == 404


def test_p5_the_purge_runs_daily_under_beat(settings):
    from celery.schedules import crontab

    from candor.celery import app
    from candor.engagement.support.tasks import purge_orphan_files

    entry = settings.CELERY_BEAT_SCHEDULE["purge-support-files"]
    assert entry["task"] == "candor.engagement.support.tasks.purge_orphan_files"
    assert entry["schedule"] == crontab(hour=4, minute=0)
    assert entry["task"] in app.tasks
    assert purge_orphan_files.delay().get() == 0
