"""Notification fixtures: petitions to hear about, a clean cache (rate limits), a recording SMS backend."""

import pytest
from django.core.cache import cache

from tests.cases.conftest import file_petition, petition_input, staff  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


class RecordingSms:
    """Stands in for the gateway (the HTTP backend is tested against a fake gateway in
    tests/background): keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.fail_next = 0

    def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        from notifications.sms import SmsError

        if self.fail_next:
            self.fail_next -= 1
            raise SmsError("gateway refused: isv.BUSINESS_LIMIT_CONTROL")
        self.sent.append({"phone": phone, "template": template, "params": params})
        return "recorded"


@pytest.fixture
def sms(monkeypatch) -> RecordingSms:
    from notifications import services, tasks

    backend = RecordingSms()
    monkeypatch.setattr(services, "sms_backend", lambda: backend)
    monkeypatch.setattr(tasks, "sms_backend", lambda: backend)
    return backend
