"""The words shown for what is stored, rendered at read time in the reader's language.

A timeline step is stored with its kind, its parameters (``CaseEvent.changes``) and the sentence the
service wrote then (``CaseEvent.message``), in the language active at that moment. Shown to a reader,
the sentence is recognised against the catalogue of the services' sentences below, in any language the
hall speaks: its parameters are taken back out of it (the stored sentence is the record of what they
were), labels among them (an opinion, a rating, a lawful channel, an agency) are put in the reader's
language, and the sentence is rendered again with gettext. Words a person typed (a reason, a reply,
an answer) are parameters that stay as typed. A sentence the catalogue does not know — typed text, or
a row older than the catalogue — is shown as it was stored.

The same goes for a document's name (from its kind) and an agency's description (gettext of the text,
so an administrator's own wording is shown as typed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

from django.conf import settings
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# The sentences the services write on timelines (cases/services/*, cases/oversight/services.py). Each
# is the msgid the service passes to gettext; the English catalogue translates it.
EVENT_SENTENCES = [
    gettext_noop("信访事项已提交，编号 %(n)s。"),
    gettext_noop("该事项与正在办理的信访件 %(n)s 相同，不作为新的信访事项受理，已关联到原件（第十九条）。"),
    gettext_noop("同一事实和理由已于信访件 %(n)s 经复核终结，不再受理（第三十六条）。"),
    gettext_noop("收到同一信访人就同一事项的重复信访 %(n)s，已并入本件办理。"),
    gettext_noop("信访人已在网上信访大厅认领本件，此后可在网上查看办理情况。"),
    gettext_noop("信访局已登记。"),
    gettext_noop("信访局已将信访事项交办%(agency)s办理。"),
    gettext_noop("信访局已将信访事项转送%(agency)s办理。"),
    gettext_noop("%(agency)s认为不属于本单位职责，已移交信访局分流。"),
    gettext_noop("与信访件 %(n)s 为同一事项，已合并办理。"),
    gettext_noop("%(agency)s已签收。"),
    gettext_noop("经审核，该事项不属于%(agency)s职责，由信访局重新分流。"),
    gettext_noop("%(agency)s已受理，将于%(due)s前书面答复。"),
    gettext_noop("不予受理，请通过%(channel)s途径解决：%(reason)s"),
    gettext_noop("办理期限延长%(days)s日至%(due)s，理由：%(reason)s"),
    gettext_noop("已出具信访处理意见（%(opinion)s）。"),
    gettext_noop("上传了 %(n)s 的签章文本。"),
    gettext_noop("因节假日安排调整，期限重新计算：%(list)s"),
    gettext_noop("信访人评价：%(s)s"),
    gettext_noop("已出具复查意见（%(o)s）。"),
    gettext_noop("已出具复核意见，信访事项终结；同一事实和理由不再受理。"),
    gettext_noop("信访事项已办结。"),
    gettext_noop("%(kind)s：%(message)s（请于%(due)s前反馈）"),
    gettext_noop("%(agency)s反馈%(kind)s：%(text)s"),
    gettext_noop("信访局退回办结报告，要求重新办理：%(r)s"),
    gettext_noop("%(step)s由%(body)s办理，已将申请及材料移送该机关；其意见送达后在此登记。"),
    gettext_noop("信访人申请%(step)s。"),
    gettext_noop("信访人申请%(step)s，由%(body)s办理。"),
    gettext_noop("%(body)s于%(day)s出具%(step)s意见（%(o)s），已登记。"),
    gettext_noop("复核意见为终结意见，信访事项终结；同一事实和理由不再受理。"),
    gettext_noop("复核机关决定举行听证：%(day)s，%(place)s。听证所需时间不计入复核期限。"),
    gettext_noop("听证已结束（%(days)s日，不计入复核期限），复核期限至%(due)s。"),
    gettext_noop("信访人表示不再申请%(step)s，信访事项办结。"),
    gettext_noop("信访局已确认该事项与信访件 %(n)s 为同一事项，并入原件办理（第十九条）。"),
    gettext_noop("经信访局审核，该事项与信访件 %(n)s 不是同一事项，撤销关联，作为新的信访事项办理：%(r)s"),
    gettext_noop("信访人已在网上查阅文书%(count)s份，已送达。"),
    gettext_noop("文书已纸质送达信访人，送达日期 %(day)s。"),
]
# Sentences the services wrote before and no longer write: still recognised on old timelines.
LEGACY_SENTENCES = [
    gettext_noop("信访人申请复查。"),
    gettext_noop("信访人申请复查，由信访局办理。"),
    gettext_noop("信访人申请复核。"),
]
# The two steps above a reply (arts. 35-36), as the services name them in a sentence.
_STEPS = {"复查": ("review", "复查"), "复核": ("re-review", "复核")}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Steps whose message is what a person wrote (a citizen's supplement): never read as the hall's words.
TYPED_KINDS = frozenset({"supplemented"})


class _NotOurs(Exception):
    """A parameter is not what the hall would have put there: the text is not the hall's sentence."""


def _choices(name: str) -> type[TextChoices]:
    from cases import models as case_models
    from cases.oversight.models import SupervisionKind

    table: dict[str, type[TextChoices]] = {
        "opinion": case_models.HandlingOpinion,
        "o": case_models.HandlingOpinion,
        "s": case_models.Satisfaction,
        "channel": case_models.LawfulChannel,
        "kind": SupervisionKind,
    }
    return table[name]


def _agency_in_reader_language(stored: str) -> str:
    names = _agency_names().get(stored)
    if names is None:
        raise _NotOurs(stored)
    _code, name_zh, name_en = names
    return name_en if _english() and name_en else name_zh


def _step_in_reader_language(stored: str) -> str:
    words = _STEPS.get(stored)
    if words is None:
        raise _NotOurs(stored)
    return words[0] if _english() else words[1]


def _review_body_in_reader_language(stored: str) -> str:
    """A review body (tenants.ReviewBody) by its name in the reader's language; an agency acting for
    it is named as an agency."""
    names = _review_body_names().get(stored)
    if names is None:
        return _agency_in_reader_language(stored)
    name_zh, name_en = names
    return name_en if _english() and name_en else name_zh


@lru_cache(maxsize=1)
def _review_body_names_cached(_epoch: int) -> dict[str, tuple[str, str]]:
    from tenants.models import ReviewBody

    names: dict[str, tuple[str, str]] = {}
    for zh, en in ReviewBody.objects.values_list("name_zh", "name_en"):
        names[zh] = (zh, en)
        if en:
            names[en] = (zh, en)
    return names


def _review_body_names() -> dict[str, tuple[str, str]]:
    import time

    return _review_body_names_cached(int(time.monotonic() // 60))


@lru_cache(maxsize=1)
def _agency_names_cached(_epoch: int) -> dict[str, tuple[str, str, str]]:
    from tenants.models import Agency

    rows = Agency.objects.values_list("code", "name_zh", "name_en")
    names: dict[str, tuple[str, str, str]] = {}
    for code, zh, en in rows:
        names[zh] = names[en] = (code, zh, en)
    return names


def _agency_names() -> dict[str, tuple[str, str, str]]:
    # Agencies are few and change rarely (one is added at run time now and then): read once a minute.
    import time

    return _agency_names_cached(int(time.monotonic() // 60))


def _recount_list(stored: str) -> str:
    """ "2026-05-01 → 2026-05-06；…": the separator in the reader's language."""
    parts = re.split(r"[；;]\s*", stored)
    return ("; " if _english() else "；").join(parts)


def _converter(name: str) -> Callable[[str], str] | None:
    if name == "agency":
        return _agency_in_reader_language
    if name == "list":
        return _recount_list
    if name in ("opinion", "o", "s", "channel", "kind"):
        return _choice_converter(name)
    if name == "step":
        return _step_in_reader_language
    if name == "body":
        return _review_body_in_reader_language
    if name == "message":
        return render_sentence  # a sweep's own words inside an order are the hall's too
    return None  # numbers, dates and what people typed stay as stored


def _choice_converter(name: str) -> Callable[[str], str]:
    def convert(stored: str) -> str:
        choices = _choices(name)
        for value in choices.values:
            if stored in _labels_of(choices, value):
                return str(choices(value).label)
        raise _NotOurs(stored)

    return convert


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _in_every_language(msgid: str) -> set[str]:
    forms = set()
    for language in _languages():
        with translation.override(language):
            forms.add(gettext(msgid))
    return forms


def _labels_of(choices: type[TextChoices], value: str) -> set[str]:
    forms = set()
    for language in _languages():
        with translation.override(language):
            forms.add(str(choices(value).label))
    return forms


@cache
def _pattern(sentence: str) -> re.Pattern[str]:
    """The regular expression that recognises ``sentence`` with its parameters filled in."""
    pieces, last = [], 0
    for match in _PLACEHOLDER.finditer(sentence):
        pieces.append(re.escape(sentence[last : match.start()]))
        pieces.append(f"(?P<{match.group(1)}>.*?)")
        last = match.end()
    pieces.append(re.escape(sentence[last:]))
    return re.compile("".join(pieces), re.DOTALL)


@cache
def _patterns_for(language: str) -> list[tuple[str, re.Pattern[str]]]:
    with translation.override(language):
        return [(msgid, _pattern(gettext(msgid))) for msgid in EVENT_SENTENCES + LEGACY_SENTENCES]


def _recognise(stored: str) -> tuple[str, dict[str, str]] | None:
    for language in _languages():
        for msgid, pattern in _patterns_for(language):
            match = pattern.fullmatch(stored)
            if match is not None:
                return msgid, match.groupdict()
    return None


def render_sentence(stored: str) -> str:
    """``stored`` (a sentence a service wrote) in the reader's language; unknown text as stored."""
    if not stored:
        return stored
    found = _recognise(stored)
    if found is None:
        return stored
    msgid, params = found
    try:
        for name, value in params.items():
            convert = _converter(name)
            if convert is not None:
                params[name] = convert(value)
    except _NotOurs:
        return stored  # typed words that happen to look like one of the hall's sentences
    return gettext(msgid) % params


def event_message(event) -> str:
    """What a timeline step says, in the reader's language (see the module docstring)."""
    if event.kind in TYPED_KINDS:
        return event.message
    return render_sentence(event.message)


def document_title(document) -> str:
    """A document's name from its kind (a notice, an opinion, a signed scan of one); a file the
    agency attached to its reply keeps its file name."""
    from documents.models import DocumentKind

    if document.kind in DocumentKind.values:
        return str(DocumentKind(document.kind).label)
    return document.title


def agency_description(agency) -> str:
    """An agency's 职责范围 in the reader's language: the demo city's are in the catalogue, an
    administrator's own wording is shown as typed."""
    text = agency.responsibilities or ""
    return gettext(text) if text else text
