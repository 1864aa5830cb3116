"""Shared for the API tests: the case fixtures, and tokens made through the real services."""

import pytest

from accounts import tokens
from accounts.models import TokenScope


@pytest.fixture
def agency_token():
    """agency_token(admin, agency, member=admin, scopes=("read", "act"), **kw) -> raw token."""

    def make(admin, agency, member=None, scopes=(TokenScope.READ, TokenScope.ACT), **kwargs) -> str:
        _, raw = tokens.issue_agency_token(
            acting_user=admin, agency=agency, member=member or admin, name="对接系统", scopes=scopes, **kwargs
        )
        return raw

    return make


@pytest.fixture
def citizen_token():
    def make(user, scopes=(TokenScope.READ, TokenScope.ACT), **kwargs) -> str:
        _, raw = tokens.issue_citizen_token(user=user, name="我的应用", scopes=scopes, **kwargs)
        return raw

    return make


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
