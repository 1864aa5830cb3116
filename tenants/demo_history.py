"""The demo city's year: about 2,000 petitions walked through the real case services on believable dates.

On a fresh machine `./run` seeds it once (tenants/management/commands/serve_hall.py calls
``start_for_serve``). Nothing here writes a case, an index row or an event itself: every step is a call
of a public function of ``cases.services`` or ``cases.oversight.services``, made under
``config.clock.travel(moment)`` so the services date it at that moment, and the daily deadline sweep
runs on every day of the year as the beat would have run it.

The plan is a pure function of (seed, petitions, ends_at, the working-day calendar): the same city every
time. Its steps run in time order, one transaction each, and the cursor (tenants.DemoHistory) advances in
the same transaction as its step: a killed replay resumes at the next step and never runs one twice.
"""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import time as wall
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.identity import id_check_char
from accounts.mfa_demo import demo_totp_secret, give_totp
from accounts.models import CitizenProfile, Membership, Role, User
from accounts.services import petitioner_snapshot, save_profile
from cases import services
from cases.models import Channel, HandlingOpinion, LawfulChannel, PetitionType, RoutingMode, Satisfaction
from cases.oversight import services as oversight
from cases.oversight.models import SupervisionItem, SupervisionKind
from config import clock
from config.errors import HallError
from notifications.models import Notification
from tenants.city import BUREAU, COUNTIES, DEPARTMENTS, DISCIPLINE, OVERSIGHT
from tenants.demo import DEMO_PASSWORD
from tenants.models import Agency, DemoHistory
from workdays.rules import WorkCalendar, add_working_days, current_calendar

log = logging.getLogger(__name__)

SEED = 20261201
PETITIONS = 2000
CITIZENS = 200
DAYS = 365
# Two demo logins own some petitions, so signing in as them shows a history too.
OWN_LOGINS = ("citizen@demo.hall", "citizen2@demo.hall")
_NAMESPACE = uuid.UUID("5b0c1e8e-3d55-4c61-9a51-2f0de7a4d0c1")
_LOCK_KEY = 7_2026_12_01  # pg advisory lock: one replay at a time

# --- Agency profiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How an agency works: days to sign, accept and reply, how often it refuses, extends, stalls,
    and how its petitioners rate it. Differences show on the statistics page and the KPI ranking."""

    sign: tuple[int, int]  # working days
    accept: tuple[int, int]  # calendar days after signing
    reply: tuple[int, int]  # calendar days after acceptance
    refuse: float
    extend: float
    stall: float  # never replied within the year: overdue, swept, supervised
    ratings: tuple[int, int, int]  # weights of 满意, 基本满意, 不满意
    opinions: tuple[int, int, int]  # weights of 予以支持, 解释说明, 不予支持


FAST = Profile((0, 1), (0, 4), (6, 28), 0.05, 0.02, 0.0, (72, 22, 6), (45, 45, 10))
STEADY = Profile((0, 2), (2, 10), (18, 52), 0.08, 0.08, 0.01, (48, 34, 18), (35, 45, 20))
SLOW = Profile((1, 5), (6, 20), (38, 80), 0.12, 0.25, 0.04, (22, 33, 45), (20, 45, 35))
PROFILES = {
    "gaj": FAST, "rsj": FAST, "scj": FAST, "jyj": FAST, "ybj": FAST, "hbq": FAST, "yms": FAST,
    "zjj": SLOW, "zrj": SLOW, "cgj": SLOW, "sthj": SLOW, "lsx": SLOW, "mcx": SLOW, "kfq": SLOW,
}  # fmt: skip
# How many petitions each agency draws, relatively (housing, social security and police lead).
VOLUME = {"zjj": 9, "rsj": 7, "gaj": 7, "cgj": 6, "zrj": 5, "jyj": 5, "sthj": 4, "wjw": 4, "lbs": 4}

CASE_HOLDERS = [spec.code for spec in (*DEPARTMENTS, *COUNTIES)]
PLACES = [
    "湖滨区前进路", "湖滨区六峰路", "湖滨区崤山路", "陕州区大营镇", "陕州区张湾乡", "义马市千秋路",
    "灵宝市函谷关镇", "灵宝市豫灵镇", "渑池县仰韶镇", "卢氏县城关镇", "卢氏县官道口镇",
    "开发区建设路", "示范区阳店镇", "湖滨区黄河路", "湖滨区甘棠路", "陕州区原店镇",
]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红梅志刚海燕春秋晓东宏亮文斌"
REGIONS = ("411202", "411203", "411221", "411224", "411281", "411282")  # 三门峡 districts (GB/T 2260)
ISSUES: dict[str, tuple[str, list[str]]] = {
    PetitionType.COMPLAINT: (
        "投诉",
        ["迟迟不予办理", "工作人员态度生硬", "多收费用", "推诿扯皮", "处理不公"],
    ),
    PetitionType.REQUEST: ("请求解决", ["长期未解决", "影响正常生活", "多次反映无果", "补偿未落实"]),
    PetitionType.SUGGESTION: ("建议", ["流程可以简化", "公示信息不够清楚", "便民服务可以延伸"]),
    PetitionType.OPINION: ("意见", ["新规定执行中有困难", "征求意见时间太短", "标准不统一"]),
    PetitionType.CONSULTATION: ("咨询", ["办理条件是什么", "需要准备哪些材料", "在哪里办理"]),
    PetitionType.REPORT: ("检举", ["违规收受财物", "优亲厚友", "违规审批", "吃拿卡要"]),
}
TYPE_WEIGHTS = {
    PetitionType.COMPLAINT: 30, PetitionType.REQUEST: 30, PetitionType.SUGGESTION: 9,
    PetitionType.OPINION: 8, PetitionType.CONSULTATION: 14, PetitionType.REPORT: 9,
}  # fmt: skip
OPINIONS = (HandlingOpinion.SUPPORT, HandlingOpinion.EXPLAIN, HandlingOpinion.NOT_SUPPORT)
RATINGS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.UNSATISFIED)
REFUSAL_CHANNELS = (
    LawfulChannel.LITIGATION,
    LawfulChannel.ARBITRATION,
    LawfulChannel.RECONSIDERATION,
    LawfulChannel.OTHER_STATUTORY,
    LawfulChannel.NOT_PETITION,
)


# --- The plan --------------------------------------------------------------------------------------


@dataclass(order=True)
class Step:
    at: datetime
    petition: int
    seq: int
    kind: str = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


def case_uuid_of(seed: int, petition: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{seed}:{petition}")


def citizen_email(number: int) -> str:
    return OWN_LOGINS[number] if number < len(OWN_LOGINS) else f"citizen{number:03d}@demo.hall"


def _local(day: date, hour: float) -> datetime:
    tz = timezone.get_default_timezone()
    base = datetime.combine(day, clock_time.min, tzinfo=tz)
    return base + timedelta(minutes=round(hour * 60))


def _office(
    rng: random.Random, cal: WorkCalendar, after: datetime, days: tuple[float, float], *, working: bool = True
) -> datetime:
    """A moment ``days`` after ``after`` at office hours on a working day (citizens: any day, 7-23 h)."""
    target = after + timedelta(days=rng.uniform(*days))
    day = timezone.localtime(target).date()
    lo, hi = (8.5, 17.5) if working else (7.0, 23.0)
    while working and not cal.is_working_day(day):
        day += timedelta(days=1)
    moment = _local(day, rng.uniform(lo, hi))
    if moment <= after:
        moment = after + timedelta(minutes=rng.randint(10, 90))
        if working and timezone.localtime(moment).hour >= 18:
            return _office(rng, cal, _local(day + timedelta(days=1), 0), (0, 0))
    return moment


def _text(rng: random.Random, petition_type: str, agency: str, reported: str = "") -> tuple[str, str, str]:
    """A title, a body and a place, varied enough that one citizen's petitions are different matters."""
    spec = {s.code: s for s in (*DEPARTMENTS, *COUNTIES)}[agency]
    topics = [k for k in spec.keywords.split(",") if k] or [spec.name_zh.removesuffix("人民政府")]
    topic = rng.choice(topics)
    place = f"{rng.choice(PLACES)}{rng.randint(1, 399)}号"
    verb, details = ISSUES[petition_type]
    detail = rng.choice(details)
    month = rng.randint(1, 12)
    if petition_type == PetitionType.REPORT:
        unit = {s.code: s for s in (*DEPARTMENTS, *COUNTIES)}[reported].name_zh
        title = f"检举{unit}工作人员{detail}"
        body = (
            f"本人反映：{unit}个别工作人员在办理{topic}相关业务时{detail}，时间约在{month}月，"
            f"地点在{place}附近，有关情况有知情人可以证明，请求纪检监察机关调查处理。"
        )
    else:
        title = f"关于{place[:-4]}{topic}的{verb}（{detail}）"
        body = (
            f"我住在{place}，{month}月以来在{topic}方面{detail}。具体情况：{spec.responsibilities}"
            f"涉及的事情我已经向有关窗口反映过{rng.randint(1, 4)}次，希望{spec.name_zh}依法依规处理，"
            f"并书面答复。编号{rng.randint(1000, 9999)}。"
        )
    return title[:200], body, place


def citizens_for(petitions: int) -> int:
    """How many demo citizens file ``petitions``: 200 for the full year, about ten petitions each."""
    return min(CITIZENS, max(10, petitions // 10))


def plan(*, seed: int, petitions: int, ends_at: datetime, days: int = DAYS) -> list[Step]:
    """Every step of the history, in the order they happen. Deterministic for its arguments (and the
    working-day calendar)."""
    start = ends_at - timedelta(days=days)
    cal = current_calendar()  # one read: the plan asks it tens of thousands of times
    steps: list[Step] = []
    for number in range(petitions):
        steps += _petition_steps(seed, cal, number, petitions, start, days)
    day = timezone.localtime(start).date() + timedelta(days=1)
    while (moment := _local(day, 0.67)) <= ends_at:  # the beat's daily sweep, early each morning
        steps.append(Step(moment, -1, 0, "sweep"))
        day += timedelta(days=1)
    return sorted(s for s in steps if s.at <= ends_at)


def _petition_steps(
    seed: int, cal: WorkCalendar, number: int, total: int, start: datetime, days: int
) -> list[Step]:
    rng = random.Random(f"{seed}:{number}")  # noqa: S311 - a demo's dice, not a secret
    steps: list[Step] = []

    def add(at: datetime, kind: str, **args: Any) -> datetime:
        steps.append(Step(at, number, len(steps), kind, args))
        return at

    # Petitions spread over the year, a little more of them lately; a few per day on each demo login.
    offset = days * (1 - (1 - (number + rng.random()) / total) ** 1.15)
    submitted = _office(rng, cal, start, (offset, offset), working=False)
    people = citizens_for(total)
    citizen = number % 40 if number % 40 < len(OWN_LOGINS) else rng.randrange(len(OWN_LOGINS), people)
    kind = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
    agencies = CASE_HOLDERS
    agency = rng.choices(agencies, weights=[VOLUME.get(code, 2) for code in agencies])[0]
    reported = ""
    if kind == PetitionType.REPORT:
        reported, agency = agency, DISCIPLINE.code
    profile = PROFILES.get(agency, STEADY)
    direct = kind != PetitionType.REPORT and rng.random() < 0.15  # filed with the agency's window
    on_behalf = not direct and rng.random() < 0.1  # a letter, visit or call the bureau records
    text_agency = reported or agency
    title, body, place = _text(rng, kind, text_agency, reported)
    at = add(
        submitted if not on_behalf else _office(rng, cal, submitted, (0, 0)),
        "submit",
        citizen=citizen,
        filed_with=agency if direct else BUREAU.code,
        petition_type=kind,
        title=title,
        body=body,
        location=place,
        is_public=kind != PetitionType.REPORT and rng.random() < 0.35,
        reported=reported,
        channel=rng.choice([Channel.LETTER, Channel.VISIT, Channel.PHONE]) if on_behalf else Channel.ONLINE,
        people=1 if rng.random() < 0.9 else rng.randint(2, 60),
    )
    if not direct:
        at = add(_office(rng, cal, at, (0, 2.5)), "register")
        roll = rng.random()
        if roll < 0.06:
            add(_office(rng, cal, at, (1, 6)), "refuse_bureau", channel=rng.choice(REFUSAL_CHANNELS))
            return steps
        if kind == PetitionType.CONSULTATION and roll < 0.55:
            at = add(_office(rng, cal, at, (1, 5)), "reply_directly", opinion=HandlingOpinion.EXPLAIN)
            return steps + _after_reply(rng, cal, number, len(steps), at, FAST, reviewable=False)
        assign = kind != PetitionType.REPORT and rng.random() < 0.2
        routed = _office(rng, cal, at, (0.5, 9) if rng.random() < 0.95 else (13, 19))
        at = add(
            routed,
            "forward",
            target=agency,
            mode=RoutingMode.ASSIGN if assign else RoutingMode.FORWARD,
            assignment_due=(timezone.localtime(routed).date() + timedelta(days=rng.randint(30, 50)))
            if assign
            else None,
            report_required=assign,  # 交办 always carries its 办结报告 (信访工作条例 art. 22(三))
        )
    at = add(
        _office(rng, cal, at, (0, 0.2)) if profile.sign[1] == 0 else _office(rng, cal, at, profile.sign),
        "sign",
    )
    at = add(
        _office(rng, cal, at, profile.accept), "decide_acceptance", accept=rng.random() >= profile.refuse
    )
    if steps[-1].args["accept"] is False:
        steps[-1].args["channel"] = rng.choice(REFUSAL_CHANNELS)
        return steps
    accepted = at
    if rng.random() < profile.stall:
        reply_days: tuple[float, float] = (150, 400)
    else:
        reply_days = profile.reply
    reply_at = _office(rng, cal, accepted, reply_days)
    if rng.random() < profile.extend or (reply_at - accepted).days > 60 and rng.random() < 0.5:
        asked = _office(rng, cal, accepted, (40, 55))
        days = rng.choice([15, 20, 30])
        add(asked, "request_extension", days=days)
        approve = rng.random() < 0.85
        add(_office(rng, cal, asked, (0.5, 3)), "decide_extension", approve=approve)
        if approve and reply_at < asked + timedelta(days=2):
            reply_at = _office(rng, cal, asked, (3, 20))
    if profile is SLOW and (reply_at - accepted).days > 50 and rng.random() < 0.4:
        urged = _office(rng, cal, accepted, (45, 50))
        if urged < reply_at:
            add(urged, "supervise")
            add(_office(rng, cal, urged, (1, 4)), "answer_supervision")
    opinion = rng.choices(OPINIONS, weights=profile.opinions)[0]
    at = add(reply_at, "reply", opinion=opinion)
    if steps[1].kind == "forward" and steps[1].args["report_required"]:
        reported_at = add(_office(rng, cal, at, (1, 6)), "completion_report")
        decided = add(
            _office(rng, cal, reported_at, (1, 5)), "decide_completion_report", accept=rng.random() < 0.85
        )
        if not steps[-1].args["accept"]:
            # Sent back for redo: the agency reports again, the bureau accepts it, the case can close.
            redone = add(_office(rng, cal, decided, (2, 8)), "completion_report")
            add(_office(rng, cal, redone, (1, 3)), "decide_completion_report", accept=True)
    return steps + _after_reply(rng, cal, number, len(steps), at, profile, reviewable=True)


def _after_reply(
    rng: random.Random,
    cal: WorkCalendar,
    number: int,
    seq: int,
    replied: datetime,
    profile: Profile,
    *,
    reviewable: bool,
) -> list[Step]:
    """Rating, review, re-review and closing: the citizen's side after the reply."""
    steps: list[Step] = []

    def add(at: datetime, kind: str, **args: Any) -> datetime:
        steps.append(Step(at, number, seq + len(steps), kind, args))
        return at

    rating = rng.choices(RATINGS, weights=profile.ratings)[0] if rng.random() < 0.78 else ""
    at = replied
    if rating:
        at = add(_office(rng, cal, replied, (0.2, 9), working=False), "evaluate", satisfaction=rating)
    if rating in (Satisfaction.SATISFIED, Satisfaction.BASICALLY):
        # A rating waives nothing (arts. 35-36): some say they ask for no review, the others' window
        # runs out and the daily sweep closes the case.
        if rng.random() < 0.5:
            add(_office(rng, cal, at, (0.5, 5), working=False), "decline_review")
        return steps
    if not reviewable or rng.random() >= (0.55 if rating else 0.12):
        return steps  # the window runs out: the daily sweep closes it (arts. 35, 36)
    asked = add(
        _office(rng, cal, at, (2, min(24, 29 - (at - replied).days)), working=False), "request_review"
    )
    reviewed = add(
        _office(rng, cal, asked, (8, 27)), "answer_review", opinion=rng.choices(OPINIONS, (15, 55, 30))[0]
    )
    if rng.random() < 0.35:
        again = add(_office(rng, cal, reviewed, (3, 24), working=False), "request_rereview")
        add(
            _office(rng, cal, again, (8, 27)),
            "answer_rereview",
            opinion=rng.choices(OPINIONS, (10, 60, 30))[0],
        )
    return steps


# --- People --------------------------------------------------------------------------------------


def _id_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 53))
        first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + id_check_char(first17)
        if number not in taken:
            taken.add(number)
            return number


def _verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def ensure_people(seed: int = SEED, citizens: int = CITIZENS) -> None:
    """The demo citizens (real-name profiles through accounts.services.save_profile) and a handler and a
    leader in every case-holding agency, once. Existing accounts (the demo logins) are kept as they are."""
    rng = random.Random(f"{seed}:people")  # noqa: S311
    password = make_password(DEMO_PASSWORD)
    taken: set[str] = set()
    for number in range(citizens):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        id_number = _id_number(rng, taken)
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        address = f"{rng.choice(PLACES)}{rng.randint(1, 299)}号"
        email = citizen_email(number)
        user, created = User.objects.get_or_create(
            email=email, defaults={"username": email, "full_name": name, "password": password}
        )
        if created:
            _verified(user)
        if not CitizenProfile.objects.filter(user=user).exists():
            save_profile(
                user=user, full_name=user.full_name or name, id_number=id_number, phone=phone, address=address
            )
    staff_rng = random.Random(f"{seed}:staff")  # noqa: S311
    for spec in (BUREAU, *DEPARTMENTS, *COUNTIES, DISCIPLINE, OVERSIGHT):
        agency = Agency.objects.get(code=spec.code)
        roles = [(Role.HANDLER, "承办"), (Role.LEADER, "主任")]
        if spec is OVERSIGHT:
            roles.append((Role.SUPERVISOR, "督查"))
        for role, title in roles:
            email = f"{'clerk' if spec is BUREAU and role == Role.HANDLER else role}@{spec.code}.demo.hall"
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "username": email,
                    "full_name": staff_rng.choice(SURNAMES) + title,
                    "password": password,
                },
            )
            if created:
                _verified(user)
                give_totp(user, demo_totp_secret())
            Membership.objects.get_or_create(user=user, agency=agency, role=role)


# --- Running the plan ----------------------------------------------------------------------------


class _Runner:
    """Runs one step at its moment through the services; caches the agencies and the actors."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self._actors: dict[tuple[str, str], services.Actor] = {}
        self._citizens: dict[int, User] = {}

    def staff(self, code: str, role: str = Role.HANDLER) -> services.Actor:
        key = (code, role)
        if key not in self._actors:
            local = "clerk" if code == BUREAU.code and role == Role.HANDLER else role
            user = User.objects.get(email=f"{local}@{code}.demo.hall")
            self._actors[key] = services.Actor.staff(user, self.agencies[code])
        return self._actors[key]

    def citizen(self, number: int) -> User:
        if number not in self._citizens:
            self._citizens[number] = User.objects.get(email=citizen_email(number))
        return self._citizens[number]

    def holder(self, case_uuid: uuid.UUID) -> str:
        from cases.index.models import CaseIndex

        return CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid).holder.code

    def owner(self, case_uuid: uuid.UUID) -> services.Actor:
        from cases.index.models import CaseIndex

        citizen = CaseIndex.objects.get(case_uuid=case_uuid).citizen
        if citizen is None:  # every replayed petition has its citizen; says so to the type checker
            raise HallError("no owner", code="no_owner")
        return services.Actor.citizen(citizen)

    def run(self, step: Step) -> None:
        if step.kind == "sweep":
            oversight.sweep_deadlines()
            return
        case_uuid = case_uuid_of(self.seed, step.petition)
        getattr(self, f"_{step.kind}")(case_uuid, **step.args)

    def _submit(self, case_uuid, *, citizen, filed_with, petition_type, title, body, location, is_public,
                reported, channel, people) -> None:  # fmt: skip
        user = self.citizen(citizen)
        snapshot = petitioner_snapshot(user)
        actor = services.Actor.citizen(user) if channel == Channel.ONLINE else self.staff(filed_with)
        services.submit_petition(
            actor=actor,
            filed_with=self.agencies[filed_with],
            petition=services.PetitionInput(
                petition_type=petition_type,
                title=title,
                body=body,
                location=location,
                people_count=people,
                is_public=is_public,
                reported_agency=reported,
            ),
            petitioner=services.PetitionerInput(**snapshot),
            citizen=user,
            channel=channel,
            submission_id=case_uuid,
        )

    def _register(self, case_uuid) -> None:
        services.register_case(case_uuid=case_uuid, actor=self.staff(BUREAU.code))

    def _refuse_bureau(self, case_uuid, *, channel) -> None:
        services.not_accept_by_bureau(
            case_uuid=case_uuid,
            actor=self.staff(BUREAU.code),
            channel=channel,
            reason="经审查，该事项应当通过法定途径解决，已告知信访人依法向有关机关提出。",
        )

    def _reply_directly(self, case_uuid, *, opinion) -> None:
        services.reply_directly(
            case_uuid=case_uuid,
            actor=self.staff(BUREAU.code),
            opinion=opinion,
            text="经查询有关政策规定，现将办理条件、所需材料和办理地点答复如下，请按指引前往办理。",
        )

    def _forward(self, case_uuid, *, target, mode, assignment_due, report_required) -> None:
        services.forward_case(
            case_uuid=case_uuid,
            actor=self.staff(BUREAU.code),
            target=self.agencies[target],
            mode=mode,
            assignment_due=assignment_due,
            report_required=report_required,
            message="请依法按期办理并答复信访人。",
        )

    def _sign(self, case_uuid) -> None:
        services.sign_case(case_uuid=case_uuid, actor=self.staff(self.holder(case_uuid)))

    def _decide_acceptance(self, case_uuid, *, accept, channel=None) -> None:
        actor = self.staff(self.holder(case_uuid))
        if accept:
            services.accept_case(case_uuid=case_uuid, actor=actor)
        else:
            services.not_accept_case(
                case_uuid=case_uuid,
                actor=actor,
                channel=channel,
                reason="该事项已进入或应当通过其他法定程序处理，不属于信访事项受理范围。",
            )

    def _request_extension(self, case_uuid, *, days) -> None:
        services.request_extension(
            case_uuid=case_uuid,
            actor=self.staff(self.holder(case_uuid)),
            days=days,
            reason="案情复杂，需要会同相关单位进一步调查核实。",
        )

    def _decide_extension(self, case_uuid, *, approve) -> None:
        services.decide_extension(
            case_uuid=case_uuid, actor=self.staff(self.holder(case_uuid), Role.LEADER), approve=approve
        )

    def _supervise(self, case_uuid) -> None:
        code = self.holder(case_uuid)
        item = oversight.issue_supervision(
            actor=self.staff(OVERSIGHT.code, Role.SUPERVISOR),
            agency=self.agencies[code],
            case_uuids=[case_uuid],
            kind=SupervisionKind.REMINDER,
            message="该件办理时间较长，请加快办理进度，按期答复信访人。",
            answer_due=add_working_days(clock.today(), 5),
        )
        # The model's default stamps the wall clock: date it where the history is.
        SupervisionItem.objects.filter(pk=item.pk).update(issued_at=clock.now())

    def _answer_supervision(self, case_uuid) -> None:
        code = self.holder(case_uuid)
        item = (
            SupervisionItem.objects.filter(agency__code=code, answered_at__isnull=True)
            .filter(cases__contains=[{"uuid": str(case_uuid)}])
            .first()
        )
        if item is not None:
            oversight.answer_supervision(
                actor=self.staff(code, Role.LEADER), item=item, text="已组织专人办理，将按期书面答复信访人。"
            )

    def _reply(self, case_uuid, *, opinion) -> None:
        services.reply_case(
            case_uuid=case_uuid,
            actor=self.staff(self.holder(case_uuid)),
            opinion=opinion,
            text={
                HandlingOpinion.SUPPORT: "经调查核实，您反映的问题属实，我单位已责成有关科室限期整改。",
                HandlingOpinion.EXPLAIN: "经调查核实，现将有关政策规定和处理情况向您解释说明如下。",
                HandlingOpinion.NOT_SUPPORT: "经调查核实，您的诉求缺乏事实和法律依据，依法不予支持。",
            }[opinion],
        )

    def _completion_report(self, case_uuid) -> None:
        services.submit_completion_report(
            case_uuid=case_uuid,
            actor=self.staff(self.holder(case_uuid)),
            text="已按交办要求调查处理并书面答复信访人，现报送办结情况。",
        )

    def _decide_completion_report(self, case_uuid, *, accept) -> None:
        services.decide_completion_report(
            case_uuid=case_uuid,
            actor=self.staff(BUREAU.code),
            accept=accept,
            comment="" if accept else "办结报告未写明整改落实情况，请补充后重新报送。",
        )

    def _evaluate(self, case_uuid, *, satisfaction) -> None:
        services.evaluate_case(case_uuid=case_uuid, actor=self.owner(case_uuid), satisfaction=satisfaction)

    def _close(self, case_uuid) -> None:
        services.close_case(case_uuid=case_uuid, actor=self.staff(self.holder(case_uuid)))

    def _decline_review(self, case_uuid) -> None:
        services.decline_review(case_uuid=case_uuid, actor=self.owner(case_uuid))

    def _decided_outside(self, case_uuid, stage: str) -> bool:
        """Whether the body that decides this stage is outside the hall (arts. 35-36): its result is then
        entered by the holder."""
        from django_tenants.utils import schema_context

        from cases.models import Case

        holder = self.agencies[self.holder(case_uuid)]
        with schema_context(holder.schema_name):
            case = Case.objects.get(pk=case_uuid)
        body = services._review_body if stage == "review" else services._rereview_body
        return body(case, holder).outside

    def _request_review(self, case_uuid) -> None:
        services.request_review(
            case_uuid=case_uuid, actor=self.owner(case_uuid), reason="对处理意见不服，认为事实认定不清。"
        )

    def _answer_review(self, case_uuid, *, opinion) -> None:
        text = "经复查，原处理意见认定事实清楚，现出具复查意见如下。"
        actor = self.staff(self.holder(case_uuid))
        if self._decided_outside(case_uuid, "review"):
            services.enter_review_result(
                case_uuid=case_uuid, actor=actor, opinion=opinion, text=text, decided_on=clock.today()
            )
        else:
            services.answer_review(case_uuid=case_uuid, actor=actor, opinion=opinion, text=text)

    def _request_rereview(self, case_uuid) -> None:
        services.request_rereview(
            case_uuid=case_uuid, actor=self.owner(case_uuid), reason="对复查意见仍然不服，请求复核。"
        )

    def _answer_rereview(self, case_uuid, *, opinion) -> None:
        text = "经复核，复查意见适用依据正确，现出具复核意见，信访事项终结。"
        holder = self.holder(case_uuid)
        if self._decided_outside(case_uuid, "rereview"):
            # The province re-reviews the city government's reviews: its opinion is entered here.
            services.enter_rereview_result(
                case_uuid=case_uuid,
                actor=self.staff(holder),
                opinion=opinion,
                text=text,
                decided_on=clock.today(),
            )
        else:
            services.answer_rereview(
                case_uuid=case_uuid, actor=self.staff(holder, Role.LEADER), opinion=opinion, text=text
            )


def _date_notifications(case_uuid: uuid.UUID, since: datetime, moment: datetime, ends_at: datetime) -> None:
    """The inbox rows the step's notices made carry the wall clock (their model stamps it): date them
    at the step, and let a citizen have read what is more than three weeks old."""
    read = moment + timedelta(hours=6) if moment < ends_at - timedelta(days=21) else None
    Notification.objects.filter(case_uuid=case_uuid, created_at__gte=since).update(
        created_at=moment, read_at=read
    )


def seed_history(
    *,
    petitions: int = PETITIONS,
    seed: int = SEED,
    days: int = DAYS,
    ends_at: datetime | None = None,
    progress: Callable[[DemoHistory], None] | None = None,
    max_steps: int | None = None,
    refused: Counter[str] | None = None,
) -> DemoHistory:
    """Replay the year (or resume it). ``max_steps`` stops early (a test of resuming). Idempotent."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
    marker = DemoHistory.objects.first()
    if marker is not None and marker.finished_at is not None:
        return marker
    if marker is None:
        marker = DemoHistory.objects.create(
            seed=seed, petitions=petitions, days=days, ends_at=(ends_at or clock.now()).replace(microsecond=0)
        )
    ensure_people(marker.seed, citizens_for(marker.petitions))
    steps = plan(seed=marker.seed, petitions=marker.petitions, ends_at=marker.ends_at, days=marker.days)
    if marker.steps_total != len(steps):
        DemoHistory.objects.filter(pk=marker.pk).update(steps_total=len(steps))
        marker.steps_total = len(steps)
    runner = _Runner(marker.seed)
    ran = 0
    for index in range(marker.steps_done, len(steps)):
        if max_steps is not None and ran >= max_steps:
            return marker
        step = steps[index]
        since = timezone.now()
        case_uuid = case_uuid_of(marker.seed, step.petition) if step.petition >= 0 else None
        with transaction.atomic(), clock.travel(step.at):
            try:
                runner.run(step)
            except HallError as exc:
                # The plan met the procedure's own answer (a window closed by the sweep, a repeat
                # petition linked to the first): the case stays where the services left it.
                log.debug("demo history: step %s %s: %s", step.kind, step.petition, exc.code)
                if refused is not None:
                    refused[f"{step.kind}: {exc.code}"] += 1
            if step.kind == "sweep":
                SupervisionItem.objects.filter(issued_at__gte=since).update(issued_at=step.at)
            DemoHistory.objects.filter(pk=marker.pk).update(steps_done=index + 1)
        if case_uuid is not None:
            _date_notifications(case_uuid, since, step.at, marker.ends_at)
        marker.steps_done = index + 1
        ran += 1
        if progress is not None:
            progress(marker)
    marker.finished_at = timezone.now()
    DemoHistory.objects.filter(pk=marker.pk).update(finished_at=marker.finished_at)
    return marker


def progress_percent() -> int | None:
    """How far the replay is (0-99), or None when there is none running (finished, or never started)."""
    marker = DemoHistory.objects.only("steps_done", "steps_total", "finished_at").first()
    if marker is None or marker.finished_at is not None:
        return None
    return marker.percent


# --- `./run` -----------------------------------------------------------------------------------


def enabled(*, empty: bool = False) -> bool:
    return settings.HALL_DEMO_HISTORY and not empty


def run_locked(**kwargs) -> DemoHistory | None:
    """``seed_history`` unless another process is already replaying (then None)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        (got,) = cursor.fetchone()
    if not got:
        return None
    try:
        return seed_history(**kwargs)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def start_for_serve(stdout, *, empty: bool = False, wait: bool = False) -> subprocess.Popen | None:
    """What serve_hall calls: seed the year once, in a child process (`manage.py seed_history`) that
    prints its progress on this console; wait for it up to HALL_DEMO_HISTORY_WAIT seconds, then let it
    go on while the hall serves. Skipped with ``--empty`` or HALL_DEMO_HISTORY=0, and once finished."""
    if not enabled(empty=empty):
        return None
    marker = DemoHistory.objects.first()
    if marker is not None and marker.finished_at is not None:
        return None
    # The replayed notices reach the inboxes; e-mailing a year of them to the console is noise. They
    # are delivered inline in the seeder, not queued for the worker, whose e-mail backend prints them.
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    child = subprocess.Popen(  # noqa: S603 - our own manage.py, no shell
        [sys.executable, str(settings.ROOT_DIR / "manage.py"), "seed_history"], env=env
    )
    limit = None if wait else settings.HALL_DEMO_HISTORY_WAIT
    try:
        child.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        stdout.write(
            f"Demo history: still seeding after {limit} s; it goes on in the background "
            "(progress below and on the portal and oversight pages)."
        )
        import atexit

        atexit.register(child.terminate)  # a killed replay resumes at the next start
        return child
    return None


def timed(marker: DemoHistory, started: float) -> str:
    elapsed = wall.monotonic() - started
    return f"{marker.steps_done}/{marker.steps_total} steps, {elapsed:.0f} s"
