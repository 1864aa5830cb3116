"""config.compiled: a statement compiled once per shape binds each call's values exactly where the
queryset would put them, and refuses a queryset that swallows a value."""

from datetime import date
from types import SimpleNamespace

import pytest

from accounts.models import User
from cases.services import repeats
from config.compiled import CompiledQuery

SHAPES = [
    (True, False, None),
    (False, True, None),
    (True, True, None),
    (True, False, frozenset({"gaj"})),
    (True, True, frozenset({"xfj", "xfj-dc"})),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "values",
    [
        {"citizen_id": 41, "id_hash": "ab" * 32, "today": date(2026, 5, 6)},
        {"citizen_id": 7, "id_hash": "", "today": date(2027, 1, 1)},
    ],
)
def test_the_candidates_statement_is_the_querysets_own_for_every_shape(shape, values):
    # What Django itself compiles for these values, against what the kept statement binds: the same
    # SQL text and the same parameters in the same places.
    expected = repeats._candidates_of(shape, SimpleNamespace(**values)).query.sql_with_params()
    sql, params = repeats._CANDIDATES.statement(shape, **values)
    assert (sql, tuple(params)) == (expected[0], tuple(expected[1]))


def test_each_call_binds_its_own_values_into_one_compiled_text():
    first = repeats._CANDIDATES.statement(SHAPES[2], citizen_id=1, id_hash="x", today=date(2026, 1, 2))
    second = repeats._CANDIDATES.statement(SHAPES[2], citizen_id=2, id_hash="y", today=date(2026, 1, 3))
    assert first[0] is second[0]  # compiled once
    assert 1 in first[1] and 2 in second[1] and "x" in first[1] and "y" in second[1]
    assert 2 not in first[1] and "y" not in first[1]


def test_a_queryset_that_drops_a_value_it_read_is_refused():
    # The value read never reaches the SQL (here: used only to pick nothing; in real code, a value
    # Django folds away): every later call would silently ignore it, so compiling refuses it.
    def build(shape, markers):
        return User.objects.filter(is_active=bool(markers.name)).values_list("pk")

    with pytest.raises(ValueError, match="name"):
        CompiledQuery(build, name="\x00name\x00").statement(None, name="someone")


@pytest.mark.django_db
def test_rows_run_the_statement_with_the_values_given():
    alice = User.objects.create_user(username="compiled-alice", email="alice@example.com", password="x")
    User.objects.create_user(username="compiled-bob", email="bob@example.com", password="x")

    def build(shape, markers):
        return User.objects.filter(username=markers.name).values_list("pk", "username")

    by_name = CompiledQuery(build, name="\x00name\x00")
    assert by_name.rows(None, name="compiled-alice") == [(alice.pk, "compiled-alice")]
    assert by_name.rows(None, name="nobody") == []


def test_rows_come_back_through_their_fields_converters(profiled_citizen):
    # Phone and address are encrypted columns: the compiled snapshot reads them decrypted, exactly as
    # the model does, and the raw column holds neither.
    from django.db import connection

    from accounts.services import petitioner_snapshot

    assert petitioner_snapshot(profiled_citizen) == {
        "name": "张爱丽",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "address": "三门峡市湖滨区黄河路1号",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_citizenprofile WHERE user_id = %s", [profiled_citizen.pk])
        assert cursor.fetchone()[0] != "13800138000"


@pytest.mark.django_db
def test_a_shape_that_can_match_nothing_returns_no_rows_without_a_statement(django_assert_num_queries):
    # A report naming no unit: ``reported_agency__in`` an empty list, which Django answers without SQL.
    with django_assert_num_queries(0):
        nothing = repeats._CANDIDATES.rows((True, False, frozenset()), citizen_id=1, today=date(2026, 1, 2))
    assert nothing == []


# --- Inserts ----------------------------------------------------------------------------------------


def _djangos_insert(obj):
    """What Django's own ``save(force_insert=True)`` compiles for ``obj``: (SQL, parameters)."""
    from django.db import connection
    from django.db.models.sql import InsertQuery

    meta = type(obj)._meta
    pk_set = obj._is_pk_set()
    fields = [
        f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)
    ]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=False)
    compiler = query.get_compiler(connection.alias)
    compiler.returning_fields = meta.db_returning_fields
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def _filing_rows(agency):
    import uuid as uuidlib

    from django.utils import timezone

    from cases.index.models import CaseIndex
    from cases.models import Case, CaseEvent

    now = timezone.now()
    case_id = uuidlib.uuid4()
    case = Case(
        id=case_id,
        tracking_number="SMX-2026-900001",
        channel="online",
        filed_with=agency.code,
        petition_type="complaint",
        title="小区噪声扰民",
        body="楼下商铺每天深夜播放音乐。",
        petitioner_name="张爱丽",
        petitioner_phone="13800138000",
        state="received",
        submitted_at=now,
        received_at=now,
    )
    index = CaseIndex(
        case_uuid=case_id,
        tracking_number="SMX-2026-900001",
        query_code_encrypted="x",
        holder=agency,
        filed_with=agency,
        petition_type="complaint",
        channel="online",
        title="小区噪声扰民",
        petitioner_name="张爱丽",
        state="received",
        submitted_at=now,
    )
    event = CaseEvent(
        case=case, seq=1, kind="submitted", at=now, agency_code=agency.code, changes={"a": [1, "二"]}
    )
    return case, index, event


def test_the_compiled_insert_is_djangos_own_for_a_filings_rows(agency_a, monkeypatch):
    from config.compiled import insert_statement
    from config.crypto import decrypt_text

    def comparable(statement):
        # An encrypted column's token differs each time (a fresh IV): compare what it decrypts to.
        sql, params = statement
        # A JSON value is wrapped in an adapter object: compare what it wraps.
        return sql, [
            decrypt_text(p) if isinstance(p, str) and p.startswith("gAAAA") else getattr(p, "adapted", p)
            for p in params
        ]

    from django.utils import timezone

    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)  # auto_now columns: the same moment in both
    for obj in _filing_rows(agency_a):
        assert comparable(insert_statement(obj)) == comparable(_djangos_insert(obj)), type(obj).__name__


def test_an_inserted_row_reads_back_as_django_saved_it(agency_a):
    from django_tenants.utils import schema_context

    from cases.index.models import CaseIndex
    from cases.models import Case
    from config.compiled import insert

    case, index, event = _filing_rows(agency_a)
    with schema_context(agency_a.schema_name):
        insert(case)
        insert(event)
        stored = Case.objects.get(pk=case.pk)
        assert (stored.petitioner_phone, stored.title) == ("13800138000", "小区噪声扰民")  # decrypted
        assert stored.events.get().changes == {"a": [1, "二"]}
    insert(index)
    assert index.pk is not None and not index._state.adding
    # The generated columns came back with the id, as Django's save sets them.
    again = CaseIndex.objects.get(pk=index.pk)
    assert again.submitted_on is not None and index.submitted_on == again.submitted_on


# --- One row by a unique column ---------------------------------------------------------------------


def _fields_of(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_fetch_gives_the_instance_djangos_get_gives(agency_a):
    # The index row (a foreign key, generated columns), the case in its agency's schema (encrypted
    # columns come back decrypted), the agency: every column as Django's own get reads it.
    from django.db import transaction
    from django_tenants.utils import schema_context

    from cases.index.models import CaseIndex
    from cases.models import Case
    from config.compiled import fetch, insert
    from tenants.models import Agency

    case, index, _event = _filing_rows(agency_a)
    with schema_context(agency_a.schema_name):
        insert(case)
        with transaction.atomic():
            got = fetch(Case, for_update=True, pk=str(case.pk))  # a string, as a URL gives it
        assert _fields_of(got) == _fields_of(Case.objects.get(pk=case.pk))
        assert got.petitioner_phone == "13800138000" and not got._state.adding and got._state.db
    insert(index)
    with transaction.atomic():
        locked = fetch(CaseIndex, for_update=True, case_uuid=index.case_uuid)
    assert _fields_of(locked) == _fields_of(CaseIndex.objects.get(case_uuid=index.case_uuid))
    assert locked.submitted_on is not None
    assert _fields_of(fetch(Agency, pk=agency_a.pk)) == _fields_of(Agency.objects.get(pk=agency_a.pk))


@pytest.mark.django_db
def test_fetch_fails_as_get_does():
    import uuid as uuidlib

    from django.core.exceptions import ValidationError

    from cases.index.models import CaseIndex
    from config.compiled import fetch

    with pytest.raises(CaseIndex.DoesNotExist):
        fetch(CaseIndex, case_uuid=uuidlib.uuid4())
    with pytest.raises(ValidationError):
        fetch(CaseIndex, case_uuid="not-a-uuid")
    with pytest.raises(CaseIndex.DoesNotExist):  # None finds no row, without a statement of its own
        fetch(CaseIndex, citizen_id=None)
    with pytest.raises(TypeError, match="date"):  # a type no marker stands for: refused, never guessed
        fetch(CaseIndex, submitted_on=date(2026, 1, 2))
    # The unique column is the caller's promise; a column that is not gets get's own error.
    User.objects.create_user(username="twin-1", email="t1@example.com", password="x", first_name="twin")
    User.objects.create_user(username="twin-2", email="t2@example.com", password="x", first_name="twin")
    with pytest.raises(User.MultipleObjectsReturned):
        fetch(User, first_name="twin")
    from django.utils.safestring import mark_safe

    assert fetch(User, username=mark_safe("twin-1")).email == "t1@example.com"  # a str subclass


def test_fetch_locks_what_it_reads_only_when_asked(agency_a):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from cases.index.models import CaseIndex
    from config.compiled import fetch, insert

    _case, index, _event = _filing_rows(agency_a)
    insert(index)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        fetch(CaseIndex, for_update=True, case_uuid=index.case_uuid)
        fetch(CaseIndex, case_uuid=index.case_uuid)
    locked, plain = (q["sql"] for q in captured.captured_queries if "caseindex" in q["sql"])
    assert locked.endswith("FOR UPDATE") and "FOR UPDATE" not in plain
    expected = CaseIndex.objects.select_for_update().filter(case_uuid=index.case_uuid)[:2]
    assert locked.split(" FROM ")[0] == str(expected.values_list(*_fields_of(index)).query).split(" FROM ")[0]


def test_a_signed_in_request_reads_its_user_with_the_compiled_statement(client, citizen, monkeypatch):
    # The backend the session names reads the user through fetch; an inactive user is signed out.
    from config import compiled

    calls = []
    real = compiled.fetch

    def counting(model, **kwargs):
        calls.append(model)
        return real(model, **kwargs)

    monkeypatch.setattr("accounts.backends.fetch", counting)
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    client.force_login(citizen, backend="accounts.backends.ModelBackend")
    request.session = client.session
    assert get_user(request) == citizen and calls == [User]
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert not get_user(request).is_authenticated


# --- Updates ----------------------------------------------------------------------------------------


def test_update_writes_the_row_djangos_save_writes(agency_a, monkeypatch):
    # Two equal cases, changed the same way (a state, an encrypted column, a column set to None,
    # the auto_now moment): one saved by Django, one by the compiled UPDATE; they read back the same.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from cases.index.models import CaseIndex
    from cases.models import Case
    from config.compiled import fetch, insert, update

    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    with schema_context(agency_a.schema_name):
        ours, theirs = _filing_rows(agency_a)[0], _filing_rows(agency_a)[0]
        theirs.tracking_number = "SMX-2026-900002"
        for case in (ours, theirs):
            case.acceptance_due = moment.date()
            insert(case)
        for case in (fetch(Case, pk=ours.pk), fetch(Case, pk=theirs.pk)):
            case.state, case.petitioner_phone, case.acceptance_due = "accepted", "13900139000", None
            case.accepted_at = moment
            if case.pk == ours.pk:
                with CaptureQueriesContext(connection) as captured:
                    update(case)
                assert [q["sql"][:6] for q in captured.captured_queries] == ["UPDATE"]
            else:
                case.save()
        mine, django = (_fields_of(Case.objects.get(pk=pk)) for pk in (ours.pk, theirs.pk))
    for name in ("id", "tracking_number"):
        mine.pop(name), django.pop(name)
    assert mine == django and mine["petitioner_phone"] == "13900139000" and mine["acceptance_due"] is None
    # The index row: auto_now ``updated_at`` is set by pre_save, as in Django's save.
    index = _filing_rows(agency_a)[1]
    insert(index)
    row = fetch(CaseIndex, pk=index.pk)
    row.state, row.updated_at = "accepted", None
    update(row)
    stored = CaseIndex.objects.get(pk=index.pk)
    assert stored.state == "accepted" and stored.updated_at == moment


def test_update_leaves_to_django_what_it_does_not_cover(agency_a):
    # A new row, a row deleted meanwhile (Django's save inserts it again), a model with a save signal.
    from django.db.models.signals import pre_save

    from cases.index.models import CaseIndex
    from config.compiled import update

    index = _filing_rows(agency_a)[1]
    update(index)  # adding: Django's save inserts it
    assert CaseIndex.objects.filter(pk=index.pk).exists()
    CaseIndex.objects.filter(pk=index.pk).delete()
    index.title = "重新写入"
    update(index)
    assert CaseIndex.objects.get(pk=index.pk).title == "重新写入"
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.title)

    pre_save.connect(listener, sender=CaseIndex)
    try:
        index.title = "有信号"
        update(index)
    finally:
        pre_save.disconnect(listener, sender=CaseIndex)
    assert seen == ["有信号"] and CaseIndex.objects.get(pk=index.pk).title == "有信号"
