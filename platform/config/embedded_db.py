"""The embedded PostgreSQL used when DATABASE_URL is not set.

pgserver ships PostgreSQL 16 in a pip wheel. The cluster lives in a git-ignored folder and keeps
running between commands, so a second start only checks that the postmaster is alive. The process
that started it remembers so (``started_here``): ``./run`` (serve_hall) stops it when it stops.
"""

import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = ROOT / ".data" / "pg"
# Data folders whose postmaster this process started, with the system user it runs as (None: ours).
_STARTED: dict[str, str | None] = {}


def embedded_database(name: str) -> dict[str, str]:
    """Start (or reuse) the embedded server, create database ``name`` if needed, return its settings."""
    with warnings.catch_warnings():
        # platformdirs warns about a missing XDG_RUNTIME_DIR on servers; pgserver does not need it.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: production never loads it

    data_dir = Path(os.environ.get("HALL_EMBEDDED_PG_DIR", DEFAULT_DATA_DIR))
    data_dir.mkdir(parents=True, exist_ok=True)
    from pgserver.utils import PostmasterInfo

    running = PostmasterInfo.read_from_pgdata(data_dir)
    was_running = running is not None and running.is_running()
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    if not was_running:
        _STARTED[str(data_dir)] = server.system_user
    if not name.replace("_", "").isalnum():
        raise ValueError(f"embedded database name {name!r} must be letters, digits and underscores")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608 - checked above
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    return {"HOST": str(data_dir), "NAME": name, "USER": "postgres", "PASSWORD": "", "PORT": ""}


def started_here() -> list[str]:
    """The embedded clusters (data folders) this process started."""
    return list(_STARTED)


def stop_embedded_databases() -> list[str]:
    """Stop the embedded clusters this process started (``pg_ctl stop -m fast``); returns their
    folders. A cluster that was already running when this process began (another ``./run`` or a
    ``./run shell``) is left alone."""
    import subprocess

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import pg_ctl

    stopped = []
    for data_dir, system_user in list(_STARTED.items()):
        try:
            # As pgserver itself stops it: as the unprivileged user that owns the cluster when root.
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=Path(data_dir), user=system_user)
        except subprocess.CalledProcessError:
            pass  # already stopped
        _STARTED.pop(data_dir, None)
        stopped.append(data_dir)
    return stopped
