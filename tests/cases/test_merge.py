"""Merging a duplicate is one transaction: the merged case and the repeat noted on the kept case."""

import pytest

from cases import services
from cases.index.models import CaseIndex
from cases.services import routing
from tests.cases.conftest import staff


class Boom(Exception):
    pass


def test_a_failure_noting_the_repeat_leaves_the_duplicate_unmerged(
    file_petition, other_citizen, clerk, bureau, monkeypatch
):
    kept = file_petition()
    duplicate = file_petition(
        user=other_citizen,
        title="道路积水无人处理",
        body="人民路与黄河路交叉口每逢下雨积水严重，请尽快疏通。",
    )

    def failing(*args, **kwargs):
        raise Boom("forced failure")

    monkeypatch.setattr(routing, "_record_repeat", failing)
    with pytest.raises(Boom):
        services.merge_case(
            case_uuid=duplicate.case_uuid,
            actor=staff(clerk, bureau),
            into_tracking_number=kept.tracking_number,
        )
    assert CaseIndex.objects.get(case_uuid=duplicate.case_uuid).state == "submitted"
    monkeypatch.undo()
    services.merge_case(
        case_uuid=duplicate.case_uuid, actor=staff(clerk, bureau), into_tracking_number=kept.tracking_number
    )
    assert CaseIndex.objects.get(case_uuid=duplicate.case_uuid).state == "merged"
