"""allauth's own strings in proper Chinese (issue 14 item 4): the hall's zh_Hans catalogue
(platform/locale/zh_Hans) replaces allauth's where allauth's is not Chinese a person would write."""

from django.utils import translation
from django.utils.translation import gettext

BAD = ("Hello!", "token", "错误代码", "Email", "email", "代码")


def test_the_hall_catalogue_replaces_allauths_broken_strings():
    with translation.override("zh-hans"):
        assert gettext("Hello from %(site_name)s!") == "您好！这里是%(site_name)s。"
        assert gettext("Bad Token") == "链接无效"
        assert gettext("Incorrect code.") == "验证码不正确。"
        for msgid in ("Hello from %(site_name)s!", "Bad Token", "Incorrect code.", "Email Addresses", "Code"):
            assert not any(bad in gettext(msgid) for bad in BAD), gettext(msgid)


def test_a_bad_reset_link_says_so_in_chinese(portal_client):
    page = portal_client.get("/accounts/password/reset/key/x-bad/", follow=True).content.decode()
    assert "不正确的 token" not in page and "链接无效" in page


def test_a_wrong_second_factor_code_says_so_in_chinese():
    from allauth.account.adapter import get_adapter
    from allauth.mfa.adapter import get_adapter as mfa_adapter

    with translation.override("zh-hans"):
        assert str(mfa_adapter().error_messages["incorrect_code"]) == "验证码不正确。"
        assert str(get_adapter().error_messages["incorrect_code"]) == "验证码不正确。"


def test_english_is_untouched():
    with translation.override("en"):
        assert gettext("Bad Token") == "Bad Token"
