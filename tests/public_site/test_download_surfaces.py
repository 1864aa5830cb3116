"""内外网物理隔离 for documents: the citizen's downloads work on the portal, the workspace's do not."""

import pytest
from django.conf import settings
from django.test import override_settings

from tests.conftest import HostClient
from tests.public_site.test_mine import documents_of


def _workspace_document_link(host_client, agency_a, handler_a, case_uuid) -> str:
    page = host_client(agency_a, handler_a).get(f"/case/{case_uuid}/")
    assert page.status_code == 200
    links = [item["url"] for item in page.context["documents"]]
    assert links and all(link.startswith("/files/") for link in links)
    return links[0]


@pytest.mark.parametrize("surfaces", ["all", "portal"])
def test_the_citizens_own_document_downloads_on_the_portal(alice, replied_case, surfaces):
    opinion = next(d for d in documents_of(replied_case.case_uuid) if d.kind == "handling_opinion")
    with override_settings(HALL_SURFACES=surfaces):
        response = alice.get(f"/mine/{replied_case.case_uuid}/documents/{opinion.pk}/")
        assert response.status_code == 302
        download = alice.get(response["Location"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("surfaces", ["all", "portal"])
def test_a_workspace_document_link_is_refused_through_the_portal(
    host_client, agency_a, handler_a, replied_case, surfaces
):
    link = _workspace_document_link(host_client, agency_a, handler_a, replied_case.case_uuid)
    assert host_client(agency_a).get(link).status_code == 200  # anonymous on its own workspace: the link
    with override_settings(HALL_SURFACES=surfaces):
        refused = HostClient(settings.HALL_DOMAIN).get(link)
    assert refused.status_code == 404
    assert not refused.has_header("Content-Disposition")
