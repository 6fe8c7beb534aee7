"""HTTPS behind a proxy: SECURE_SSL_REDIRECT, SECURE_PROXY_SSL_HEADER and the forwarded headers.

Docs: docs/checks/webserver.rst (E001, W005-W008); Django: https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts.context import ProjectContext

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts
    from django_deploy_concepts.concerns.webserver.proxies import ProxyConfig

FORWARDED_PROTO = ("HTTP_X_FORWARDED_PROTO", "https")
FORWARDED_PROTO_LINE = 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'
META_KEY = re.compile(r"^[A-Z0-9_]+$")


@dataclasses.dataclass(frozen=True)
class HttpsFacts:
    secure_ssl_redirect: bool
    # The (META key, value) pair Django trusts, or None when unset or unusable (see the error).
    proxy_ssl_header: tuple[str, str] | None
    # repr() of a SECURE_PROXY_SSL_HEADER that is set but not a (str, str) pair.
    proxy_ssl_header_malformed: str | None
    security_middleware: bool


def collect_https_facts(context: ProjectContext) -> HttpsFacts:
    header = context.setting("SECURE_PROXY_SSL_HEADER")
    pair: tuple[str, str] | None = None
    malformed = None
    if header:
        if isinstance(header, (list, tuple)) and len(header) == 2 and all(isinstance(item, str) for item in header):
            pair = (header[0], header[1])
        else:
            malformed = repr(header)[:80]
    middleware = context.setting("MIDDLEWARE", [])
    return HttpsFacts(
        secure_ssl_redirect=context.setting("SECURE_SSL_REDIRECT", False) is True,
        proxy_ssl_header=pair,
        proxy_ssl_header_malformed=malformed,
        security_middleware=isinstance(middleware, (list, tuple)) and "django.middleware.security.SecurityMiddleware" in middleware,
    )


def meta_key(header: str) -> str:
    """How Django's request.META names an HTTP header: X-Forwarded-Proto -> HTTP_X_FORWARDED_PROTO."""
    return "HTTP_" + header.upper().replace("-", "_")


# Checks -------------------------------------------------------------------------------------------

E001 = Error(
    "SECURE_SSL_REDIRECT is on behind a TLS-terminating proxy without SECURE_PROXY_SSL_HEADER.",
    hint='Add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https"), or every page redirects forever.',
    id="deploy_webserver.E001",
)


def redirects(facts: Facts) -> bool:
    # Without SecurityMiddleware the setting does nothing; Django's security.W001 says so.
    return facts.https.secure_ssl_redirect and facts.https.security_middleware


def header_unset(facts: Facts) -> bool:
    return facts.https.proxy_ssl_header is None and facts.https.proxy_ssl_header_malformed is None


def check_redirect_loop(facts: Facts) -> list[CheckMessage]:
    if redirects(facts) and facts.platform.terminates_tls and header_unset(facts):
        return [E001]
    return []


def e014(evidence: str) -> Error:
    return Error(
        "SECURE_SSL_REDIRECT is on, the proxy runs on another host, and SECURE_PROXY_SSL_HEADER is unset.",
        hint='gunicorn ignores X-Forwarded-Proto from other hosts: add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").',
        obj=evidence,
        id="deploy_webserver.E014",
    )


def app_proxies(facts: Facts) -> list[ProxyConfig]:
    return [config for config in facts.proxies if config.server in ("nginx", "apache", "caddy") and config.proxies_to_app]


def check_redirect_loop_other_host(facts: Facts) -> list[CheckMessage]:
    # On a platform whose router ends TLS, E001 says it already.
    if facts.platform.terminates_tls or not (redirects(facts) and header_unset(facts)):
        return []
    return [e014(facts.proxy_source or "DEPLOY_CONCEPTS['proxy']")] if facts.proxy == "other-host" else []


def e015(config: ProxyConfig) -> Error:
    fix = "proxy_set_header X-Forwarded-Proto $scheme;" if config.server == "nginx" else 'RequestHeader set X-Forwarded-Proto "https"'
    return Error(
        f"{config.path} proxies to Django without X-Forwarded-Proto while SECURE_SSL_REDIRECT is on.",
        hint=f"Add {fix}, or Django never sees https and redirects every page forever.",
        obj=config.path,
        id="deploy_webserver.E015",
    )


def check_proxy_sets_scheme(facts: Facts) -> list[CheckMessage]:
    if facts.platform.terminates_tls or not redirects(facts):
        return []
    return [e015(config) for config in app_proxies(facts) if not config.sets_forwarded_proto]


I016 = Info(
    "SECURE_SSL_REDIRECT is on without SECURE_PROXY_SSL_HEADER; where the proxy runs decides if it loops.",
    hint="Declare DEPLOY_CONCEPTS['proxy'] ('none', 'same-host' or 'other-host'); gunicorn trusts only 127.0.0.1.",
    id="deploy_webserver.I016",
)


def check_proxy_topology_declared(facts: Facts) -> list[CheckMessage]:
    if facts.platform.terminates_tls or facts.proxy is not None or not (redirects(facts) and header_unset(facts)):
        return []
    proxies = app_proxies(facts)
    # A proxy config that never sets the header is E015's; nothing in front at all is judged by Django's own checks.
    if proxies and not all(config.sets_forwarded_proto for config in proxies):
        return []
    return [I016] if proxies or facts.platform.kind in ("server", "container") else []


def w005(config_paths: str | None) -> Warning:
    if config_paths:
        msg = f"SECURE_PROXY_SSL_HEADER trusts X-Forwarded-Proto, which {config_paths} never sets."
    else:
        msg = "SECURE_PROXY_SSL_HEADER trusts X-Forwarded-Proto, but no proxy is known to set it."
    return Warning(
        msg,
        hint="Have the proxy overwrite it (proxy_set_header X-Forwarded-Proto $scheme), or clients can fake https.",
        id="deploy_webserver.W005",
    )


def check_spoofable_proxy_header(facts: Facts) -> list[CheckMessage]:
    if facts.https.proxy_ssl_header is None or facts.platform.kind == "paas":
        return []
    proxies = [config for config in facts.proxies if config.server in ("nginx", "apache", "caddy")]
    if proxies:
        if any(config.sets_forwarded_proto for config in proxies) or check_proxy_sets_scheme(facts):
            return []
        return [w005(", ".join(config.path for config in proxies[:3]))]
    # Only a plain server with no proxy in sight is known to have nothing in front; a container
    # or an undetected platform may well sit behind a router that sets the header.
    return [w005(None)] if facts.platform.kind == "server" else []


def e006(value: str) -> Error:
    return Error(
        f"SECURE_PROXY_SSL_HEADER = {value} is not a (header, value) pair.",
        hint='Use ("HTTP_X_FORWARDED_PROTO", "https"); any other shape raises ImproperlyConfigured (500).',
        id="deploy_webserver.E006",
    )


def check_proxy_header_shape(facts: Facts) -> list[CheckMessage]:
    malformed = facts.https.proxy_ssl_header_malformed
    return [e006(malformed)] if malformed is not None else []


def e007(header: tuple[str, str], problem: str, fix: str) -> Error:
    return Error(
        f"SECURE_PROXY_SSL_HEADER {header!r} never matches: {problem}.",
        hint=f"Use {fix}, or Django never sees https.",
        id="deploy_webserver.E007",
    )


def check_proxy_header_matches(facts: Facts) -> list[CheckMessage]:
    header = facts.https.proxy_ssl_header
    if header is None:
        return []
    name, value = header
    if not META_KEY.match(name):
        proper = meta_key(name.removeprefix("HTTP_").removeprefix("http_"))
        return [e007(header, f"request.META calls that header {proper}", f'("{proper}", "{value}")')]
    sent = facts.platform.forwarded_proto_header
    if not (facts.platform.kind == "paas" and facts.platform.terminates_tls and sent):
        return []
    if name.startswith("HTTP_") and name != meta_key(sent):
        return [e007(header, f"{facts.platform.title} sets {sent}", f'("{meta_key(sent)}", "https")')]
    if name == meta_key(sent) and value != "https":
        return [e007(header, f"{facts.platform.title} sends {sent}: https", f'("{name}", "https")')]
    return []


W008 = Warning(
    "USE_X_FORWARDED_HOST is on, but the platform's router passes the real Host header.",
    hint="Remove it: a client could then pick the host Django uses with its own X-Forwarded-Host.",
    id="deploy_webserver.W008",
)


def check_forwarded_host(facts: Facts) -> list[CheckMessage]:
    return [W008] if facts.hosts.use_x_forwarded_host and facts.platform.passes_host else []
