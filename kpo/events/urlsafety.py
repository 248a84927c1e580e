"""Refusing webhook URLs that would make the server call itself or its private network (SSRF).

A subscription URL is checked when it is saved and again before every attempt (a name may later resolve
elsewhere); redirects are never followed. Loopback and private targets are allowed only when
`settings.DEBUG` or `settings.KPO_WEBHOOKS_ALLOW_PRIVATE` is on (development and the tests' receiver).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from kpo.core.exceptions import ApplicationError

ALLOWED_SCHEMES = ("http", "https")


def private_targets_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "KPO_WEBHOOKS_ALLOW_PRIVATE", False))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise ApplicationError(
            _("The host %(host)s cannot be resolved.") % {"host": host}, extra={"field": "url"}
        ) from error
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_webhook_url(url: str) -> None:
    """Raise ApplicationError (naming the problem) when `url` may not receive webhooks."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ApplicationError(_("Enter a valid URL."), extra={"field": "url"}) from error
    if parts.scheme not in ALLOWED_SCHEMES:
        raise ApplicationError(
            _("A webhook URL must start with http:// or https://."), extra={"field": "url"}
        )
    if not parts.hostname:
        raise ApplicationError(_("Enter a valid URL."), extra={"field": "url"})
    if parts.username or parts.password:
        raise ApplicationError(
            _("A webhook URL may not contain a user name or password."), extra={"field": "url"}
        )
    if private_targets_allowed():
        return
    for address in _resolve(parts.hostname, port):
        if not _is_public(address):
            raise ApplicationError(
                _(
                    "%(host)s points at a private, loopback or reserved address (%(address)s); webhooks only go to public addresses."
                )
                % {"host": parts.hostname, "address": address},
                extra={"field": "url"},
            )
