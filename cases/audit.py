"""The hash chain over a case's timeline.

Each event's hash covers its own content and the previous event's hash, so editing, deleting or
reordering any past event breaks every hash after it. ``verify_case_chain`` recomputes the chain;
the ``verify_audit`` management command runs it over every agency schema.
"""

import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64


def event_digest(event, prev_hash: str) -> str:
    payload = {
        "case": str(event.case_id),
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "agency": event.agency_code,
        "actor": str(event.actor_uuid) if event.actor_uuid else None,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "ip": event.ip_address,
        "changes": event.changes,
        "message": event.message,
        "visible": event.visible_to_citizen,
        "prev": prev_hash,
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    case_id: str
    seq: int
    problem: str


def verify_case_chain(events) -> list[ChainProblem]:
    """Check one case's events (in seq order); return every break found."""
    problems = []
    prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            problems.append(ChainProblem(str(event.case_id), event.seq, f"expected event #{expected_seq}"))
        if event.prev_hash != prev:
            problems.append(ChainProblem(str(event.case_id), event.seq, "link to the previous event broken"))
        if event_digest(event, event.prev_hash) != event.hash:
            problems.append(ChainProblem(str(event.case_id), event.seq, "content does not match its hash"))
        prev = event.hash
        expected_seq = event.seq + 1
    return problems
