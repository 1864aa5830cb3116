"""The embedded PostgreSQL used when DATABASE_URL is not set.

pgserver ships PostgreSQL 16 in a pip wheel. The cluster lives in a git-ignored folder and keeps
running between commands, so a second start only checks that the postmaster is alive.
"""

import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = ROOT / ".data" / "pg"


def embedded_database(name: str) -> dict[str, str]:
    """Start (or reuse) the embedded server, create database ``name`` if needed, return its settings."""
    with warnings.catch_warnings():
        # platformdirs warns about a missing XDG_RUNTIME_DIR on servers; pgserver does not need it.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: production never loads it

    data_dir = Path(os.environ.get("HALL_EMBEDDED_PG_DIR", DEFAULT_DATA_DIR))
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    if not name.replace("_", "").isalnum():
        raise ValueError(f"embedded database name {name!r} must be letters, digits and underscores")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608 - checked above
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    return {"HOST": str(data_dir), "NAME": name, "USER": "postgres", "PASSWORD": "", "PORT": ""}
