"""Sending SMS: a small provider interface (a template id and its parameters, as Aliyun and Tencent
Cloud SMS take them), a logging backend (the default) and one for an Aliyun-compatible gateway.

A backend raises ``SmsError`` when the message was not accepted; the caller records it and retries.
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings

from config.masking import mask_phone

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not accept the message (the reason is kept on the delivery row)."""


class SmsBackend(Protocol):
    def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        """Send one message; returns the gateway's id for it."""


class LoggingSmsBackend:
    """Writes the message to the log instead of sending it: the embedded run and development."""

    def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        log.info("SMS to %s, template %s, params %s", mask_phone(phone), template, params)
        return f"log-{uuid.uuid4().hex[:12]}"


def _percent(value: str) -> str:
    # Aliyun's POP encoding: RFC 3986, space as %20, "*" as %2A, "~" kept.
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], *, secret: str, method: str = "POST") -> str:
    """The RPC signature of Aliyun's API (SignatureMethod HMAC-SHA1, SignatureVersion 1.0)."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Aliyun's SendSms (dysmsapi, API version 2017-05-25) as a signed form POST to HALL_SMS_URL.

    Any gateway that speaks the same request (Aliyun itself, or an in-house relay) works; the reply is
    JSON with ``Code`` "OK" and a ``BizId`` when the message was accepted."""

    def send(self, *, phone: str, template: str, params: dict[str, str]) -> str:
        request_params = {
            "AccessKeyId": settings.HALL_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": settings.HALL_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        request_params["Signature"] = aliyun_signature(
            request_params, secret=settings.HALL_SMS_ACCESS_KEY_SECRET
        )
        body = urllib.parse.urlencode(request_params).encode()
        request = urllib.request.Request(  # noqa: S310  # the URL is the operator's setting
            settings.HALL_SMS_URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.HALL_SMS_TIMEOUT_SECONDS) as response:  # noqa: S310
                reply = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise SmsError(f"gateway answered HTTP {error.code}") from error
        except (OSError, ValueError) as error:
            raise SmsError(f"gateway unreachable or unreadable: {error}") from error
        if reply.get("Code") != "OK":
            raise SmsError(f"gateway refused: {reply.get('Code')} {reply.get('Message', '')}".strip())
        return str(reply.get("BizId", ""))


def sms_backend() -> SmsBackend:
    if settings.HALL_SMS_BACKEND == "aliyun":
        return AliyunSmsBackend()
    return LoggingSmsBackend()


def template_for(kind: str) -> str:
    return settings.HALL_SMS_TEMPLATES.get(kind, kind)
