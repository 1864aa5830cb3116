"""documents.services.next_document_number: 文号 per agency, kind and year."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from config.errors import HallError
from documents.models import DocumentKind, DocumentSequence
from documents.services import KIND_CHARACTERS, next_document_number, upsert_sql


def number(agency_code="xfj", short="三信", kind=DocumentKind.FORWARD_NOTICE, year=2026):
    return next_document_number(agency_code=agency_code, agency_short=short, kind=kind, year=year)


def test_numbers_increment_per_agency_kind_and_year(db):
    assert number() == "三信转〔2026〕1号"
    assert number() == "三信转〔2026〕2号"
    assert number() == "三信转〔2026〕3号"
    assert DocumentSequence.objects.get(agency_code="xfj", kind="forward_notice", year=2026).last_number == 3


def test_numbering_restarts_each_year(db):
    number(year=2026)
    number(year=2026)
    assert number(year=2027) == "三信转〔2027〕1号"
    assert number(year=2026) == "三信转〔2026〕3号"


def test_each_kind_has_its_own_sequence_and_character(db):
    number(kind=DocumentKind.FORWARD_NOTICE)
    assert number(kind=DocumentKind.ASSIGNMENT_ORDER) == "三信交〔2026〕1号"
    assert number(kind=DocumentKind.REVIEW_OPINION) == "三信复查〔2026〕1号"
    assert number(kind=DocumentKind.REREVIEW_OPINION) == "三信复核〔2026〕1号"


def test_two_agencies_have_independent_sequences(db):
    assert number(agency_code="gaj", short="三公", kind=DocumentKind.ACCEPTANCE_NOTICE) == "三公受〔2026〕1号"
    assert number(agency_code="gaj", short="三公", kind=DocumentKind.ACCEPTANCE_NOTICE) == "三公受〔2026〕2号"
    assert number(agency_code="zjj", short="三建", kind=DocumentKind.ACCEPTANCE_NOTICE) == "三建受〔2026〕1号"
    assert number(agency_code="gaj", short="三公", kind=DocumentKind.ACCEPTANCE_NOTICE) == "三公受〔2026〕3号"


def test_numbers_live_in_the_public_schema_whatever_the_current_tenant(agency_a, agency_b):
    with schema_context(agency_a.schema_name):
        assert number(agency_code=agency_a.code, short="三公", kind=DocumentKind.HANDLING_OPINION) == (
            "三公处〔2026〕1号"
        )
    with schema_context(agency_b.schema_name):
        # Another tenant's search_path: the same sequence table, untouched for agency_b.
        assert number(agency_code=agency_a.code, short="三公", kind=DocumentKind.HANDLING_OPINION) == (
            "三公处〔2026〕2号"
        )
        assert number(agency_code=agency_b.code, short="三建", kind=DocumentKind.HANDLING_OPINION) == (
            "三建处〔2026〕1号"
        )
    connection.set_schema_to_public()
    assert DocumentSequence.objects.get(agency_code=agency_a.code, kind="handling_opinion").last_number == 2


def test_a_rolled_back_caller_gives_its_number_back(db):
    number()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number() == "三信转〔2026〕2号"
        raise RuntimeError("the case write failed")
    assert number() == "三信转〔2026〕2号"


def test_every_kind_has_a_distinct_number_character():
    assert set(KIND_CHARACTERS) == set(DocumentKind.values)
    assert len(set(KIND_CHARACTERS.values())) == len(KIND_CHARACTERS)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "summons"}, "document_kind_unknown"),
        ({"short": "  "}, "document_number_invalid"),
        ({"year": 26}, "document_number_invalid"),
    ],
)
def test_bad_arguments_are_refused(db, kwargs, code):
    with pytest.raises(HallError) as info:
        number(**kwargs)
    assert info.value.code == code
    assert not DocumentSequence.objects.exists()


def test_a_concurrent_caller_waits_for_the_first_callers_transaction(db):
    """The UPSERT's row lock is held until the caller commits, so nobody else can take the same number."""
    import psycopg2
    from psycopg2 import errors

    assert number() == "三信转〔2026〕1号"  # this test's transaction now holds the row lock
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(errors.LockNotAvailable):
                cursor.execute(upsert_sql(), ["xfj", DocumentKind.FORWARD_NOTICE, 2026])
        other.rollback()
    finally:
        other.close()
