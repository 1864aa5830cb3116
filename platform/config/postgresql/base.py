"""django-tenants' PostgreSQL backend, with the search_path set only when a statement needs it.

django-tenants issues ``SET search_path`` when a cursor is opened after the schema changed
(``TENANT_LIMIT_SET_CALLS``). A request that reads the public index, then an agency's case, then the
public index again paid a ``SET`` at each turn: the case page repeated ``SET search_path`` to the same
schema four times, a filing switched to ``public`` twice.

Here the path is settled per statement, when it is executed:

- An agency schema holds only the tenant apps' tables (``TENANT_APPS``: ``cases_*``) and its own
  ``django_migrations``; every other table exists only in ``public``. A statement that names none of
  those tenant tables therefore reads the same rows under ``"ag_x", public`` as under ``public``, and
  under ``public`` as under ``"ag_x", public``: it runs with the path the connection already has.
- Any other statement (one naming a tenant table, or one whose meaning depends on the path itself:
  the catalogue, ``current_schema``, ``search_path``) first gets exactly the path the connection was
  told (``set_tenant``), as before. A tenant table read in the public context still fails as it
  always did, rather than read the last agency's rows.

A call to ``set_tenant`` that names the schema already set keeps the path (each request's middleware,
each ``schema_context`` that enters the current schema). The path stays right: django-tenants forgets
it on close, on rollback and on a rollback to a savepoint (a ``SET`` is transactional in PostgreSQL
and is undone with them), and code that sets the path itself (``SET LOCAL`` in tenants.provisioning)
forgets it too. tests/tenants/test_search_path.py checks each of these against the database's own
``current_schemas``.

The backend also numbers the transactions it opens (``transaction_serial``), so a value read once
in a transaction can be reused for the rest of it (workdays.rules.current_calendar).
"""

import re

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantsDatabaseWrapper

# Statements whose result depends on the search_path even without naming a tenant table.
_PATH_SENSITIVE = re.compile(r"pg_|information_schema|current_schema|search_path|regclass", re.IGNORECASE)
# Statements that set the path themselves (``SET LOCAL search_path`` in tenants.provisioning): after
# one, what the session has is unknown until the next SET of ours.
_SETS_PATH = re.compile(
    r"\bSET\s+(LOCAL\s+|SESSION\s+)?search_path|set_config\s*\(\s*'search_path'", re.IGNORECASE
)

_CLASSIFIED: dict[str, tuple[bool, bool]] = {}
_CLASSIFIED_SIZE = 2048


def _tenant_tables() -> re.Pattern[str]:
    """The tables an agency schema holds: the tenant apps' models and django_migrations."""
    from django.apps import apps
    from django.conf import settings

    labels = {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS}
    tables = {"django_migrations"}
    for config in apps.get_app_configs():
        if config.name in settings.TENANT_APPS or config.label in labels:
            tables.update(model._meta.db_table for model in config.get_models(include_auto_created=True))
    names = "|".join(re.escape(name) for name in sorted(tables, key=len, reverse=True))
    # Any name that starts with one of them (its sequences and indexes too: cases_caseevent_id_seq),
    # but not one qualified by a schema ("ag_x"."cases_case"), which does not depend on the path.
    return re.compile(rf'(?<!\.)(?<!\.")\b({names})', re.IGNORECASE)


class DatabaseWrapper(TenantsDatabaseWrapper):
    _tenant_table_pattern: re.Pattern[str] | None = None
    _session_path: list[str] | None = None  # the path the server session has, as far as we know
    _path_owner = None  # the cursor that last set the path itself (``SET LOCAL search_path``)

    def __init__(self, *args, **kwargs):
        self.transaction_serial = 0
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._settle_search_path)

    def set_tenant(self, tenant, include_public=True):
        kept = self.search_path_set_schemas
        unchanged = (
            kept is not None
            and tenant.schema_name == self.schema_name
            and include_public == self.include_public_schema
        )
        super().set_tenant(tenant, include_public)
        if unchanged:
            self.search_path_set_schemas = kept
        else:
            # What the session really has, until a statement needs the new path.
            self._session_path = kept if kept is not None else self._session_path

    def _set_autocommit(self, autocommit):
        if not autocommit:
            self.transaction_serial += 1
        super()._set_autocommit(autocommit)

    def _handle_search_path(self, cursor=None):
        if cursor is None:
            # A named (server-side) cursor runs one statement only: set the path now, on its own.
            super()._handle_search_path(None)
            self._session_path = self.search_path_set_schemas
        # Otherwise the path is settled when the cursor executes a statement (_settle_search_path).

    @classmethod
    def _classify(cls, sql: str) -> tuple[bool, bool]:
        """(reads the same rows under any path ending in public, sets the path itself), cached per
        statement text: the ORM sends the same few hundred texts, the values as parameters."""
        known = _CLASSIFIED.get(sql)
        if known is None:
            if cls._tenant_table_pattern is None:
                cls._tenant_table_pattern = _tenant_tables()
            public_only = not (_PATH_SENSITIVE.search(sql) or cls._tenant_table_pattern.search(sql))
            known = (public_only, bool(_SETS_PATH.search(sql)))
            if len(_CLASSIFIED) >= _CLASSIFIED_SIZE:
                _CLASSIFIED.clear()
            _CLASSIFIED[sql] = known
        return known

    def _path_serves(self, sql: str) -> bool:
        """Whether the path the session has now gives ``sql`` the rows the wanted path would."""
        if self.search_path_set_schemas is not None:
            return True
        have = self._session_path
        if not have:
            return False
        if have == self._get_cursor_search_paths():
            self.search_path_set_schemas = have  # back in the schema the session still has
            return True
        return have[-1] == "public" and self._classify(sql)[0]

    def _settle_search_path(self, execute, sql, params, many, context):
        cursor = context["cursor"]
        if self._setting_search_path or cursor is getattr(self, "_path_owner", None):
            # Our own SET; or a cursor that set the path itself: its statements run under that path,
            # as under django-tenants, where the path is set when a cursor opens.
            return execute(sql, params, many, context)
        if not self._path_serves(str(sql)):
            self.search_path_set_schemas = None
            super()._handle_search_path(cursor)
            self._session_path = self.search_path_set_schemas
            self._path_owner = None
        if not self._classify(str(sql))[1]:
            return execute(sql, params, many, context)
        try:
            return execute(sql, params, many, context)
        finally:
            self.search_path_set_schemas = self._session_path = None
            self._path_owner = cursor

    def close(self):
        self._session_path = self._path_owner = None
        super().close()

    def rollback(self):
        self._session_path = self._path_owner = None
        super().rollback()

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self._session_path = self._path_owner = None
