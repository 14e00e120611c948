"""Fixtures for support threads and site feedback (P5)."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from tests.factories import UserFactory, VerifiedEmailFactory

PASSWORD = "correct horse battery"
# What a browser says about a form posted from one of our own pages.
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def photo(
    name: str = "photo.jpg",
    *,
    kind: str = "JPEG",
    size=(40, 30),
    gps: bool = True,
    orientation: int | None = None,
    trailer: bytes = b"",
) -> SimpleUploadedFile:
    """An image as a phone makes it: EXIF with the maker, model, time and (by default) where
    it was taken; `trailer` is appended after the image data."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.DateTime] = "2025:01:02 03:04:05"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (31.0, 31.0, 12.0)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (74.0, 21.0, 36.0)
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[kind]
    return SimpleUploadedFile(name, out.getvalue() + trailer, content_type=content_type)


@pytest.fixture
def shopper(db):
    user = UserFactory(email="ayesha@example.com", first_name="Ayesha", last_name="Khan")
    VerifiedEmailFactory(user=user)
    return user


@pytest.fixture
def browser(shopper) -> Client:
    client = Client()
    assert client.login(email=shopper.email, password=PASSWORD)
    return client


@pytest.fixture
def open_thread(db, committed):
    """Open a thread through the real service (mail included): open_thread(**overrides)."""
    from candor.engagement.support.services import open_thread as service

    def _open(**overrides):
        args = {
            "submit_token": uuid.uuid4(),
            "name": "Sana Mir",
            "email": "sana@example.com",
            "subject": "Screen flickers",
            "body": "My new phone's screen flickers.",
        }
        args.update(overrides)
        return committed(service, **args)

    return _open


@pytest.fixture
def staff_member(db, django_user_model):
    """Active staff, not a superuser, with no permission yet."""
    return django_user_model.objects.create_user(
        email="agent@candor.example", password=PASSWORD, is_staff=True
    )


@pytest.fixture
def staff_client(staff_member, mfa_login):
    """staff_client(*permissions): the staff member, signed in with TOTP, holding these."""
    from django.contrib.auth.models import Permission

    def _client(*codenames):
        staff_member.user_permissions.set(
            Permission.objects.filter(content_type__app_label="support", codename__in=codenames)
        )
        return mfa_login(Client(), staff_member)

    return _client
