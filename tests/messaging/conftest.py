import pytest

from .recording import RECORDING_BACKEND, RecordingBackend


@pytest.fixture
def backend(settings):
    settings.EMAIL_BACKEND = RECORDING_BACKEND
    RecordingBackend.log = []
    RecordingBackend.failures = {}
    RecordingBackend.meanwhile = {}
    yield RecordingBackend
    RecordingBackend.log = []
    RecordingBackend.failures = {}
    RecordingBackend.meanwhile = {}
