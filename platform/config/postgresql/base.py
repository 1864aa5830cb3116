"""django-tenants' PostgreSQL backend, with the search_path set once per schema, not once per cursor.

With ``TENANT_LIMIT_SET_CALLS`` django-tenants issues ``SET search_path`` only after the schema was
changed (``set_tenant``), not before every cursor: half of a filing's statements were that SET. It still
forgets the path on every ``set_tenant`` call, even one naming the schema already set (each request's
middleware, each ``schema_context`` that enters the current schema), so here a call that changes
nothing keeps what the connection already has.

The path stays right: django-tenants forgets it on close, on rollback and on a rollback to a savepoint
(a ``SET`` is transactional in PostgreSQL and is undone with them), and code that sets the path itself
(``SET LOCAL`` in tenants.provisioning) forgets it too. tests/tenants/test_search_path.py checks each
of these against the database's own ``current_schemas``.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantsDatabaseWrapper


class DatabaseWrapper(TenantsDatabaseWrapper):
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
