"""Environment-driven settings helpers.

Every value is read once at start-up; a bad value fails loudly with the variable's name, in the
spirit of healthchecks' ``envbool``.
"""

import os
import secrets
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}.")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number (seconds, e.g. 1.5).") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_choice(name: str, default: str, choices: Sequence[str]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_list(name: str, default: Sequence[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, keep_in: Path) -> str:
    """The value of ``name``; unset, a random key made on first start and kept in ``keep_in``.

    The file is written once, readable by its owner only (0600), and reused on every later start, so
    sessions, signed links and keys derived from it survive restarts. Processes starting together
    agree on one key: each writes a private temporary file and links it into place, and whoever
    loses the race reads the winner's.
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if not keep_in.exists():
        keep_in.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=keep_in.parent, prefix=f".{keep_in.name}-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50) + "\n")
            os.link(temporary, keep_in)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    mode = keep_in.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"{keep_in} (the key used when {name} is unset) is readable by other users: chmod 600 it."
        )
    value = keep_in.read_text().strip()
    if not value:
        raise ImproperlyConfigured(f"{keep_in} is empty: delete it to make a new key, or set {name}.")
    return value
