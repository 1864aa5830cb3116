"""Download links name the host schema and surface they were minted for (内外网物理隔离)."""

from django.conf import settings
from django.core import signing
from django.db import connection
from django.test import override_settings

from filestore.services import SIGNING_SALT, download_url
from tests.conftest import HostClient
from tests.filestore.test_storage import body, stored_upload


def _minted_on(agency, key: str) -> str:
    """A link as the agency's workspace mints it (the case page runs in the agency's schema)."""
    connection.set_tenant(agency)
    try:
        return download_url(key, filename="办理意见.pdf")
    finally:
        connection.set_schema_to_public()


def test_a_workspace_link_downloads_on_its_own_workspace_only(local_storage, agency_a, agency_b):
    key, data = stored_upload(schema="ag_gaj", category="documents")
    url = _minted_on(agency_a, key)
    assert body(HostClient("gaj.hall.localhost").get(url)) == data
    for host in (settings.HALL_DOMAIN, "zjj.hall.localhost", "dcs.hall.localhost"):
        refused = HostClient(host).get(url)
        assert refused.status_code == 404, host
        assert "该下载链接不能在本站点使用" in refused.content.decode()


@override_settings(HALL_SURFACES="portal")
def test_a_portal_only_process_refuses_staff_links_and_serves_the_citizens(local_storage, agency_a):
    key, data = stored_upload(schema="ag_gaj", category="documents")
    staff_link = _minted_on(agency_a, key)
    citizen_link = download_url(key, filename="办理意见.pdf")  # the portal's "my petition" page
    portal = HostClient(settings.HALL_DOMAIN)
    assert portal.get(staff_link).status_code == 404
    assert HostClient("gaj.hall.localhost").get(staff_link).status_code == 404  # host not served
    assert body(portal.get(citizen_link)) == data


@override_settings(HALL_SURFACES="staff")
def test_a_staff_only_process_refuses_a_portal_link_on_a_workspace(local_storage, agency_a):
    key, data = stored_upload(schema="ag_gaj", category="documents")
    citizen_link = download_url(key, filename="办理意见.pdf")
    assert HostClient("gaj.hall.localhost").get(citizen_link).status_code == 404
    assert body(HostClient("gaj.hall.localhost").get(_minted_on(agency_a, key))) == data


def test_a_link_that_names_no_surface_is_refused(local_storage, db):
    # The shape minted before links were scoped: it worked on every host, so it works on none now.
    key, _ = stored_upload()
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign_object(
        {"k": key, "f": "a.pdf", "e": 300}, compress=True
    )
    for host in (settings.HALL_DOMAIN, "gaj.hall.localhost"):
        response = HostClient(host).get(f"/files/{token}")
        assert response.status_code == 404 and "下载链接无效" in response.content.decode()


def test_a_link_cannot_be_re_scoped_without_the_key(local_storage, agency_a):
    key, _ = stored_upload(schema="ag_gaj", category="documents")
    token = _minted_on(agency_a, key).removeprefix("/files/")
    payload = signing.TimestampSigner(salt=SIGNING_SALT).unsign_object(token)
    forged = signing.TimestampSigner(salt=SIGNING_SALT, key="not-the-secret-key").sign_object(
        {**payload, "t": "public", "s": "portal"}, compress=True
    )
    assert HostClient(settings.HALL_DOMAIN).get(f"/files/{forged}").status_code == 404
