"""The way back in: the query code on the petition page and the inbox, a printable receipt whose QR
code is the look-up link, and why a report went elsewhere than the unit chosen (art. 46)."""

import re

import qrcode

from cases import services
from cases.index.models import CaseIndex
from cases.services import Actor, PetitionerInput, PetitionInput
from config.crypto import decrypt_text
from tests.cases.conftest import VALID_ID


def _code(result) -> str:
    return decrypt_text(CaseIndex.objects.get(case_uuid=result.case_uuid).query_code_encrypted)


def _svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules of qrcode's SvgPathImage: one "Mx,yH..V..H..z" square per module."""
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}


def _expected_modules(payload: str) -> set[tuple[int, int]]:
    code = qrcode.QRCode(border=2)
    code.add_data(payload)
    code.make(fit=True)
    return {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}


def test_the_printable_receipt_has_the_code_and_a_qr_of_the_lookup_link(alice, registered, file_petition):
    result = file_petition(user=registered)
    receipt = alice.get(f"/file/receipt/{result.case_uuid}/").content.decode()
    assert f"/file/receipt/{result.case_uuid}/print/" in receipt
    page = alice.get(f"/file/receipt/{result.case_uuid}/print/").content.decode()
    lookup = f"http://{alice.host}/lookup/?n={result.tracking_number}"
    assert _code(result) in page and result.tracking_number in page and lookup in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    # The QR's modules are exactly those of the look-up link: it decodes to that URL.
    assert _svg_modules(svg) == _expected_modules(lookup)
    assert "@media print" in open("platform/static/hall/hall.css", encoding="utf-8").read()
    # The link fills in the tracking number; the code is typed from the paper.
    lookup_page = alice.get(f"/lookup/?n={result.tracking_number}").content.decode()
    assert f'value="{result.tracking_number}"' in lookup_page


def test_another_citizen_gets_no_receipt(bob, registered, file_petition):
    result = file_petition(user=registered)
    assert bob.get(f"/file/receipt/{result.case_uuid}/print/").status_code == 404


def test_the_petition_page_shows_its_owner_the_query_code(alice, bob, registered, file_petition):
    result = file_petition(user=registered)
    page = alice.get(f"/mine/{result.case_uuid}/").content.decode()
    assert _code(result) in page and f"/lookup/?n={result.tracking_number}" in page
    assert bob.get(f"/mine/{result.case_uuid}/").status_code == 404


def _report(user, filed_with, reported):
    return services.submit_petition(
        actor=Actor.citizen(user),
        filed_with=filed_with,
        petition=PetitionInput(
            petition_type="report",
            title=f"检举{reported.name_zh}工作人员违规收费",
            body="该单位工作人员在办事时违规收取费用五百元，我有转账记录为证。",
            reported_agency=reported.code,
        ),
        petitioner=PetitionerInput(name="张爱丽", id_number=VALID_ID, phone="13800138000"),
    )


def test_a_report_filed_with_the_reported_unit_says_why_it_went_to_the_bureau(
    alice, registered, agency_a, bureau
):
    result = _report(registered, agency_a, agency_a)
    assert result.holder_code == bureau.code
    for path in (f"/file/receipt/{result.case_uuid}/", f"/mine/{result.case_uuid}/"):
        notice = re.search(
            r'data-testid="routing-notice"><p>(.*?)</p>', alice.get(path).content.decode(), re.S
        )
        assert notice is not None, path
        assert "第四十六条" in notice.group(1) and agency_a.name_zh in notice.group(1)
        assert bureau.name_zh in notice.group(1)


def test_a_report_against_the_bureau_says_it_went_to_the_discipline_body(alice, registered, bureau, city):
    result = _report(registered, bureau, bureau)
    assert result.holder_code == "jjw"
    page = alice.get(f"/file/receipt/{result.case_uuid}/").content.decode()
    notice = re.search(r'data-testid="routing-notice"><p>(.*?)</p>', page, re.S).group(1)
    assert "第四十六条" in notice and city["jjw"].name_zh in notice


def test_a_report_handled_where_it_was_filed_has_no_notice(alice, registered, bureau, agency_a):
    result = _report(registered, bureau, agency_a)
    assert (
        'data-testid="routing-notice"' not in alice.get(f"/file/receipt/{result.case_uuid}/").content.decode()
    )
