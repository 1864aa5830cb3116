"""Django's database sessions (the same table and rows), read with a statement compiled once.

Every signed-in request reads its session first; Django's ``objects.get`` builds and compiles that
query each time, which cost more CPU than PostgreSQL's answer. The read is the same query, compiled
once (config.compiled); writing, expiry and flushing are Django's own.
"""

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.utils import timezone

from config.compiled import CompiledQuery


def _session_of(_shape, markers):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=markers.key, expire_date__gt=markers.now).values_list(
        "session_data", "expire_date"
    )[:1]


_SESSION = CompiledQuery(_session_of, key="\x00session-key\x00", now=datetime(1, 1, 7, tzinfo=UTC))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _SESSION.rows(None, key=self.session_key, now=timezone.now())
        if not rows:
            self._session_key = None
            return None
        data, expires = rows[0]
        return self.model(session_key=self.session_key, session_data=data, expire_date=expires)
