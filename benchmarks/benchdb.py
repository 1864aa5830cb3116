"""A database of the benchmark's own: created fresh before a run, dropped after it.

On DATABASE_URL's server when that is set, otherwise on the embedded pgserver; the Django settings
then point at it (DATABASE_URL or HALL_EMBEDDED_DB_NAME) before ``django.setup()``.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "platform")]


def _connect(config: dict, name: str):
    import psycopg2

    return psycopg2.connect(
        dbname=name,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )


def _recreate(config: dict, name: str, *, drop_only: bool = False) -> None:
    conn = _connect(config, "postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _server_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        return dj_database_url.parse(url)
    from config.embedded_db import embedded_database

    return embedded_database("postgres")


def _point_settings_at(name: str) -> None:
    url = os.environ.get("DATABASE_URL")
    if url:
        base, _, _ = url.rpartition("/")
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        os.environ["HALL_EMBEDDED_DB_NAME"] = name


def copy_database(source: str, target: str) -> None:
    """``target`` anew as a copy of ``source`` (CREATE DATABASE ... TEMPLATE: a file copy, seconds
    where building the data takes minutes); nothing may be connected to ``source``."""
    conn = _connect(_server_config(), "postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    conn.close()


def use_copy_of(source: str, name: str) -> None:
    """Make ``name`` a fresh copy of ``source`` and make the Django settings use it."""
    copy_database(source, name)
    _point_settings_at(name)


def use_fresh_database(name: str) -> None:
    """Create ``name`` anew and make the Django settings use it."""
    _recreate(_server_config(), name)
    _point_settings_at(name)


def use_kept_database(name: str) -> None:
    """Make the Django settings use ``name`` as it is (kept by an earlier run); switches an open
    connection to it when Django is set up already."""
    _point_settings_at(name)
    from django.conf import settings

    if settings.configured:
        from django.db import connection

        connection.close()
        connection.settings_dict["NAME"] = name


def drop_database(name: str) -> None:
    """Drop the benchmark's database (after closing Django's connection to it)."""
    from django.conf import settings
    from django.db import connection

    config = settings.DATABASES["default"]
    connection.close()
    _recreate(config, name, drop_only=True)
