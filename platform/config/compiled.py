"""A queryset compiled to SQL once, its values bound at each call: for the few reads every filing runs.
Also ``fetch``: one whole row as a model instance (``objects.get``), and ``insert`` and ``update``: a
row's INSERT and its UPDATE of every column (``save``), each compiled once per model.

Building and compiling a queryset costs Django CPU on every call: for the repeat-matter candidates of a
filing (a dozen conditions, a join) about 1.1 ms, six times what PostgreSQL takes to answer it. The
statement's text depends only on the queryset's *shape*, never on the values compared, so it is
compiled once per shape and kept; each call binds its own values into the compiled parameters.

The queryset stays the one definition of the statement: ``build(shape, markers)`` reads its values
from ``markers`` (``markers.citizen_id``), values of the right type that no query uses otherwise, and
wherever a marker comes out among the compiled parameters, that parameter is bound from the call's
values. A marker ``build`` read that is missing from the compiled parameters (Django folded or rewrote
the value) is refused when compiling, never guessed: the statement would silently ignore that value.
Values that change the SQL text itself (the length of an ``__in`` list, a condition present or not)
belong in the shape, the caller's key.

Rows come back as tuples in the order of the queryset's ``values_list``, each value through its
field's database converters, as Django's own iteration would give it (an encrypted column decrypted).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.db.transaction import TransactionManagementError


class _Markers:
    """The markers ``build`` reads, noting which it read."""

    def __init__(self, markers: dict[str, Any]) -> None:
        self._markers = markers
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._markers[name]
        except KeyError:
            raise AttributeError(name) from None
        self.read.add(name)
        return value


class CompiledQuery:
    """``build(shape, markers)``'s SQL, compiled once per shape; ``rows(shape, **values)`` runs it."""

    def __init__(self, build: Callable[[Any, Any], QuerySet], **markers: Any) -> None:
        self._build = build
        self._markers = markers

    @functools.cache  # noqa: B019 - module-level statements, kept for the process's life
    def _compiled(self, shape: Hashable) -> tuple[str, tuple[tuple[str | None, Any], ...], tuple]:
        markers = _Markers(self._markers)
        compiler = self._build(shape, markers).query.get_compiler(connection.alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a shape that can match nothing (``__in`` an empty list): no statement
            return "", (), ()
        # (position, converters, expression) of each result column whose field converts its value
        converters = tuple(
            (position, tuple(convert), expression)
            for position, (convert, expression) in compiler.get_converters(
                [column[0] for column in compiler.select[: compiler.col_count]]
            ).items()
        )
        slots: list[tuple[str | None, Any]] = []
        seen = set()
        for value in params:
            name = next(
                (
                    key
                    for key, marker in self._markers.items()
                    if type(value) is type(marker) and value == marker
                ),
                None,
            )
            slots.append((name, None if name else value))
            seen.add(name)
        missing = markers.read - seen
        if missing:
            raise ValueError(f"compiled statement ignores {sorted(missing)}: put them in the shape")
        return sql, tuple(slots), converters

    def statement(self, shape: Hashable, **values: Any) -> tuple[str, list[Any]]:
        """The SQL for ``shape`` and its parameters with ``values`` bound (every marker's name)."""
        sql, slots, _converters = self._compiled(shape)
        return sql, [values[name] if name else constant for name, constant in slots]

    def rows(self, shape: Hashable, **values: Any) -> list[tuple]:
        sql, params = self.statement(shape, **values)
        if not sql:
            return []
        converters = self._compiled(shape)[2]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return rows
        converted = []
        for row in rows:
            values_of = list(row)
            for position, convert, expression in converters:
                value = values_of[position]
                for converter in convert:
                    value = converter(value, expression, connection)
                values_of[position] = value
            converted.append(tuple(values_of))
        return converted


# --- One row by a unique column ----------------------------------------------------------------

M = TypeVar("M", bound=Model)

# A marker per type of looked-up value (CompiledQuery: a value no lookup uses otherwise).
_KEY_MARKERS: dict[type, Any] = {
    uuid.UUID: uuid.UUID(int=0x7E57_C0DE_7E57_C0DE),
    int: -7_770_077_007,
    str: "\x00compiled-key\x00",
}


@functools.cache
def _row_query(model: type[Model], name: str, for_update: bool, kind: type) -> CompiledQuery:
    attnames = tuple(f.attname for f in model._meta.concrete_fields)

    def build(_shape, markers) -> QuerySet:
        rows = model._default_manager.filter(**{name: markers.key})
        return (rows.select_for_update() if for_update else rows).values_list(*attnames)[:2]

    return CompiledQuery(build, key=_KEY_MARKERS[kind])


def fetch(model: type[M], *, for_update: bool = False, **lookup: Any) -> M:
    """``model.objects.get(column=value)`` (``select_for_update()`` first with ``for_update``), its
    SELECT of every column compiled once per (model, column, lock): for the index row and the case
    of sixty-odd columns each, Django's compiling of that SELECT cost ~2 ms of CPU per ``get`` on this
    machine, ten times the database's answer, and every step of a case locks both.

    The same instance as ``get`` gives (``Model.from_db``, every value through its field's
    converters), the same errors (``DoesNotExist``, ``MultipleObjectsReturned``, an invalid value's
    own), and, like Django, a lock outside a transaction is refused. One lookup, on a column of the
    model's own (``pk`` included)."""
    [(name, value)] = lookup.items()
    meta = model._meta
    column = meta.pk if name == "pk" else meta.get_field(name)
    prepared = column.get_prep_value(value)  # what ``filter`` does to it: "a-uuid-str" -> UUID
    if for_update and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    # A str subclass (a SafeString) or a bool is looked up as its base type; None matches no row, as
    # ``get(column=None)`` finds none on a unique column.
    kind = next((kind for kind in _KEY_MARKERS if isinstance(prepared, kind)), None)
    if kind is None and prepared is not None:
        raise TypeError(f"fetch looks up {', '.join(k.__name__ for k in _KEY_MARKERS)}, not {prepared!r}")
    rows = [] if kind is None else _row_query(model, name, for_update, kind).rows(None, key=prepared)
    if not rows:
        raise model.DoesNotExist(f"{meta.object_name} matching query does not exist.")  # type: ignore[attr-defined]
    if len(rows) > 1:
        raise model.MultipleObjectsReturned(f"get() returned more than one {meta.object_name}.")  # type: ignore[attr-defined]
    return model.from_db(connection.alias, [f.attname for f in meta.concrete_fields], rows[0])


# --- Inserts ---------------------------------------------------------------------------------------


@functools.cache
def _insert_statement(model: type[Model], pk_set: bool) -> tuple[str, tuple, tuple, tuple] | None:
    """Django's own INSERT of one ``model`` row (the columns ``Model.save`` inserts, RETURNING what it
    returns), compiled once; None when a value could change the statement's text (a field with its
    own placeholder), when saving runs code of the model's (``save`` overridden, a parent model), or
    when the model is not a plain table."""
    meta = model._meta
    fields = tuple(
        f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)
    )
    if (
        model.save is not Model.save
        or meta.parents
        or meta.proxy
        or not meta.managed
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    returning = tuple(meta.db_returning_fields)
    query = InsertQuery(model)
    query.insert_values(fields, [model()], raw=False)
    compiler = query.get_compiler(connection.alias)
    compiler.returning_fields = returning
    [(sql, _params)] = compiler.as_sql()
    converters = compiler.get_converters([field.get_col(meta.db_table) for field in returning])
    return sql, fields, returning, tuple((p, tuple(c), e) for p, (c, e) in converters.items())


def insert_statement(obj: Model) -> tuple[str, list[Any]] | None:
    """The INSERT ``insert`` sends for ``obj`` and its values (None: Django's own ``save`` is used)."""
    model = type(obj)
    statement = _insert_statement(model, obj._is_pk_set())
    if statement is None or pre_save.has_listeners(model) or post_save.has_listeners(model):
        return None
    sql, fields, _returning, _converters = statement
    obj._prepare_related_fields_for_save(operation_name="save")
    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):  # an expression changes the statement: Django's way
            return None
        values.append(field.get_db_prep_save(value, connection=connection))
    return sql, values


def insert(obj: Model) -> None:
    """``obj.save(force_insert=True)`` for a new row, with the INSERT's text compiled once per model:
    building it cost Django more CPU than preparing the values (~65% of an insert's, for the fifty
    columns of a filing's rows). The values go through each field's ``pre_save`` and
    ``get_db_prep_save``, the returned columns (the id, generated columns) through their converters,
    and an error marks the enclosing atomic block for rollback, as in Django's insert. A model with
    save signals, or one the compiled form does not cover, is saved by Django itself."""
    prepared = insert_statement(obj)
    if prepared is None:
        obj.save(force_insert=True)
        return
    sql, values = prepared
    _sql, _fields, returning, converters = _insert_statement(type(obj), obj._is_pk_set())
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = list(cursor.fetchone()) if returning else []
    for position, convert, expression in converters:
        for converter in convert:
            row[position] = converter(row[position], expression, connection)
    for value, field in zip(row, returning, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = connection.alias


# --- Updates ---------------------------------------------------------------------------------------


@functools.cache
def _update_statement(model: type[Model]) -> tuple[str, tuple] | None:
    """The UPDATE of every column of one ``model`` row by its primary key, as Django's ``save()`` of a
    loaded row writes it (its columns, in its order, a placeholder each: Django's own compiler would
    write a None value as a literal NULL, so the text is put together here, in the same form);
    None where ``_insert_statement`` says None, or when the model selects before saving."""
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f not in meta.pk_fields and not f.generated)
    if (
        model.save is not Model.save
        or meta.parents
        or meta.proxy
        or not meta.managed
        or meta.select_on_save
        or len(meta.pk_fields) != 1
        or any(hasattr(field, "get_placeholder") for field in fields)
    ):
        return None
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {table} SET {sets} WHERE {table}.{quote(meta.pk.column)} = %s"  # noqa: S608
    return sql, fields


def update(obj: Model) -> None:
    """``obj.save()`` of a row loaded whole (``fetch``, ``get``), with its UPDATE's text compiled once
    per model: compiling the UPDATE of the index row's or the case's sixty-odd columns cost Django
    ~1-2 ms of CPU per save, and every step of a case saves both. The values go through each field's
    ``pre_save`` (``auto_now`` columns) and ``get_db_prep_save``, as in Django's save; an error marks
    the enclosing atomic block for rollback. Anything the compiled form does not cover is saved by
    Django itself: a new row, deferred columns, save signals, an expression as a value, a row the
    UPDATE did not find (Django then inserts it)."""
    model = type(obj)
    statement = _update_statement(model)
    if (
        statement is None
        or obj._state.adding
        or not obj._is_pk_set()
        or obj.get_deferred_fields()
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        obj.save()
        return
    sql, fields = statement
    obj._prepare_related_fields_for_save(operation_name="save")
    values = []
    for field in fields:
        value = field.pre_save(obj, False)
        if hasattr(value, "resolve_expression"):
            obj.save()
            return
        values.append(field.get_db_prep_save(value, connection=connection))
    pk = model._meta.pk
    values.append(pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(sql, values)
        found = cursor.rowcount
    if not found:
        obj.save()
        return
    obj._state.db = connection.alias
