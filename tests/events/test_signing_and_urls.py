"""The receiver's signature check, and the SSRF guard on subscription URLs."""

import time

import pytest
from django.test import override_settings

from kpo.core.exceptions import ApplicationError
from kpo.events.signing import sign, signature_header, verify_signature
from kpo.events.urlsafety import check_webhook_url

BODY = b'{"id":"5b0b7c1e","type":"sla.breached"}'


def test_a_fresh_signature_verifies():
    now = int(time.time())
    header = signature_header(["s3cret"], now, BODY)
    assert header == f"sha256={sign('s3cret', now, BODY)}"
    assert verify_signature("s3cret", str(now), BODY, header)


@pytest.mark.parametrize(
    "secret, body, header_of",
    [
        ("other", BODY, lambda ts: signature_header(["s3cret"], ts, BODY)),
        ("s3cret", BODY + b" ", lambda ts: signature_header(["s3cret"], ts, BODY)),
        ("s3cret", BODY, lambda ts: signature_header(["s3cret"], ts + 1, BODY)),
        ("s3cret", BODY, lambda ts: "sha1=" + sign("s3cret", ts, BODY)),
        ("s3cret", BODY, lambda ts: ""),
        ("s3cret", BODY, lambda ts: "garbage"),
    ],
    ids=["wrong-secret", "tampered-body", "other-timestamp", "other-scheme", "empty", "garbage"],
)
def test_a_wrong_signature_is_refused(secret, body, header_of):
    now = int(time.time())
    assert not verify_signature(secret, now, body, header_of(now))


def test_an_old_or_future_timestamp_is_refused_as_a_replay():
    now = int(time.time())
    old = now - 301
    assert not verify_signature("s3cret", old, BODY, signature_header(["s3cret"], old, BODY))
    assert verify_signature("s3cret", old, BODY, signature_header(["s3cret"], old, BODY), tolerance=600)
    future = now + 400
    assert not verify_signature("s3cret", future, BODY, signature_header(["s3cret"], future, BODY))
    assert not verify_signature("s3cret", "not-a-number", BODY, signature_header(["s3cret"], now, BODY))


def test_any_of_several_signatures_may_match():
    now = int(time.time())
    header = signature_header(["new", "old"], now, BODY)
    assert verify_signature("new", now, BODY, header)
    assert verify_signature("old", now, BODY, header)
    assert not verify_signature("neither", now, BODY, header)


@override_settings(DEBUG=False, KPO_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_private_and_loopback_targets_are_refused_in_production(url):
    with pytest.raises(ApplicationError) as refused:
        check_webhook_url(url)
    assert refused.value.extra == {"field": "url"}


@override_settings(DEBUG=False, KPO_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://93.184.216.34/hook", "http"),
        ("file:///etc/passwd", "http"),
        ("https://user:pw@93.184.216.34/hook", "password"),
        ("https://no-such-host.invalid/hook", "resolved"),
    ],
)
def test_other_schemes_credentials_and_unknown_hosts_are_refused(url, message):
    with pytest.raises(ApplicationError) as refused:
        check_webhook_url(url)
    assert message in refused.value.message


@override_settings(DEBUG=False, KPO_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_public_address_is_accepted():
    check_webhook_url("https://93.184.216.34/hook")


@override_settings(DEBUG=False, KPO_WEBHOOKS_ALLOW_PRIVATE=True)
def test_loopback_is_allowed_when_the_setting_says_so():
    check_webhook_url("http://127.0.0.1:9999/hook")


@override_settings(DEBUG=True, KPO_WEBHOOKS_ALLOW_PRIVATE=False)
def test_loopback_is_allowed_in_debug():
    check_webhook_url("http://127.0.0.1:9999/hook")
