"""The filing form refuses characters the notices could not print, naming them and keeping the text."""

from cases.index.models import CaseIndex
from tests.public_site.test_filing import GOOD, fill, start


def test_a_title_with_a_character_no_font_has_is_refused_with_its_name(alice, registered, city):
    sid = start(alice)
    response = fill(alice, sid, title="𠮷家村村道塌方无人修复")
    page = response.content.decode()
    assert response.status_code == 400
    assert "无法打印在信访文书上" in page and "𠮷" in page and "U+20BB7" in page
    assert GOOD["body"] in page  # what was typed is kept
    assert not CaseIndex.objects.filter(citizen=registered).exists()


def test_an_emoji_the_fallback_font_draws_is_accepted_and_one_it_lacks_is_refused(alice, registered, city):
    sid = start(alice)
    accepted = fill(alice, sid, body=GOOD["body"] + "谢谢😀")
    assert accepted.status_code == 302  # DejaVu Sans draws 😀 in the notices
    sid = start(alice)
    refused = fill(alice, sid, body=GOOD["body"] + "🫠")  # U+1FAE0: in no font on the server
    assert refused.status_code == 400 and "U+1FAE0" in refused.content.decode()
