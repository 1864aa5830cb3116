import pytest
from django.utils import translation

from workdays import rules


@pytest.fixture(autouse=True)
def _fresh_calendar_memo():
    # Each test starts from the database, not from a calendar another test left in this process.
    rules.forget_calendar()
    yield
    rules.forget_calendar()


@pytest.fixture(autouse=True)
def _chinese_by_default():
    # The test client leaves the language of its last request active in the thread: start every test
    # in the default language and restore whatever was active before it.
    with translation.override("zh-hans"):
        yield
