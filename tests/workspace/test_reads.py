"""Routing suggestions: keywords in the text, the county in the location, never the reported unit."""

from cases.models import Case
from cases.workspace.reads import suggest_agencies


def _case(**fields) -> Case:
    base = {"title": "", "body": "", "location": "", "identity_protected": False, "reported_agency": ""}
    base.update(fields)
    return Case(**base)


def test_keywords_rank_agencies_and_name_the_words(city):
    suggestions = suggest_agencies(_case(title="小区物业乱收费", body="物业公司多收停车费，开发商也不管。"))
    assert suggestions[0].agency.code == "zjj"
    assert {"物业", "小区"} <= set(suggestions[0].words)
    assert len(suggestions) <= 3


def test_location_points_to_the_county(city):
    suggestions = suggest_agencies(
        _case(title="道路积水", body="下雨后道路积水严重。", location="灵宝市函谷关镇")
    )
    assert suggestions and suggestions[0].agency.code == "lbs"


def test_no_suggestion_without_a_match(city):
    assert suggest_agencies(_case(title="你好", body="随便说说")) == []


def test_reported_unit_is_never_suggested(city):
    case = _case(
        title="派出所民警办户口索要好处",
        body="户口迁移时民警索要好处费。",
        identity_protected=True,
        reported_agency="gaj",
    )
    assert all(s.agency.code != "gaj" for s in suggest_agencies(case))
