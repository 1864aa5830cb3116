"""A plain psycopg2 connection to the hall's database, beside Django's: for work that must commit on its
own (a sequence every filing can use at once) or run in parallel threads (tenants.migrating)."""

import psycopg2
from django.db import connection


def side_connection(*, autocommit: bool = False):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("options", None)
    conn = psycopg2.connect(**params)
    conn.autocommit = autocommit
    return conn
