"""Statements sent twice for the same schema: the measure the statement tests and benchmarks share.

Each statement is keyed by the schema it reads: the path then in effect for a statement naming an
agency's case tables (unqualified), ``public`` for any other. ``SET search_path`` itself counts as a
statement: a request that sets the same path twice has switched back and forth. Transaction control
(BEGIN, COMMIT, savepoints) is not counted.
"""

import re

_CONTROL = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")
_AGENCY_TABLE = re.compile(r'(?<!\.)(?<!\.")\bcases_\w+')


def repeated_statements(statements: list[str]) -> list[str]:
    """The statements of ``statements`` (as captured, values included) sent before for the same schema."""
    path, seen, twice = "public", set(), []
    for sql in statements:
        if _CONTROL.match(sql):
            continue
        if sql.startswith("SET search_path"):
            path = sql
        key = (path if _AGENCY_TABLE.search(sql) else "public", sql)
        if key in seen:
            twice.append(sql)
        seen.add(key)
    return twice
