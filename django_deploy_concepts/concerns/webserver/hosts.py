"""Hosts: the public hostname the platform gives the app, ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS.

Docs: docs/checks/webserver.rst (E002, E004, E013); Django: https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import platforms
from django_deploy_concepts.context import ProjectContext

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts

# Hostnames that only ever reach a development server; a production config never lists them.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "testserver"})


@dataclasses.dataclass(frozen=True)
class HostFacts:
    public_hostname: str | None
    # The environment variable the public hostname was read from.
    public_hostname_source: str | None
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    use_x_forwarded_host: bool
    # The public hostnames declared in DEPLOY_CONCEPTS['hosts'] (or --host).
    declared_hosts: tuple[str, ...] = ()
    # DEBUG is False: ALLOWED_HOSTS is enforced (with DEBUG on, localhost names pass).
    debug_off: bool = False


def string_list(context: ProjectContext, name: str, errors: list[str]) -> tuple[str, ...]:
    value = context.setting(name, [])
    if isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, str):
                shown = repr(item)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                errors.append(f"{name} entry {shown} is a {type(item).__name__}, not a string: Django cannot match it; skipped")
        return tuple(item for item in value if isinstance(item, str))
    errors.append(f"{name} should be a list, not {type(value).__name__}")
    return ()


def collect_host_facts(context: ProjectContext, errors: list[str]) -> HostFacts:
    hostname, source = platforms.public_hostname(context.platform_info, context.environ)
    declared = context.target.hosts
    if not hostname and declared:
        hostname, source = declared[0], f"{context.target.source('hosts')}"
    return HostFacts(
        public_hostname=hostname,
        public_hostname_source=source if hostname else None,
        allowed_hosts=string_list(context, "ALLOWED_HOSTS", errors),
        csrf_trusted_origins=string_list(context, "CSRF_TRUSTED_ORIGINS", errors),
        use_x_forwarded_host=context.setting("USE_X_FORWARDED_HOST", False) is True,
        declared_hosts=declared,
        debug_off=context.setting("DEBUG", False) is False,
    )


def host_matches(host: str, pattern: str) -> bool:
    """Django's ALLOWED_HOSTS matching: exact, '*', or '.example.com' for the domain and its subdomains."""
    pattern = pattern.lower()
    if pattern == "*":
        return True
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return host == pattern


def origin_trusted(origin: str, trusted: tuple[str, ...]) -> bool:
    """Django's CSRF_TRUSTED_ORIGINS matching, including 'https://*.example.com' entries."""
    scheme, _, host = origin.partition("://")
    for entry in trusted:
        entry = entry.lower().rstrip("/")
        if entry == origin:
            return True
        entry_scheme, _, entry_host = entry.partition("://")
        if entry_scheme == scheme and entry_host.startswith("*.") and host.endswith(entry_host[1:]):
            return True
    return False


# A DNS name, or ".example.com" for a domain and its subdomains, as ALLOWED_HOSTS writes it.
HOSTNAME = re.compile(r"\.?[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?")


def usable_hostnames(allowed_hosts: tuple[str, ...]) -> tuple[str, ...]:
    """The ALLOWED_HOSTS entries a web server can answer for: no '*', no scheme/port/path, no local names."""
    usable = []
    for host in allowed_hosts:
        host = host.strip().lower()
        # Only a host name goes into a server_name: nothing a configuration file would read as syntax.
        if host in LOCAL_HOSTS or not HOSTNAME.fullmatch(host):
            continue
        usable.append(host)
    return tuple(dict.fromkeys(usable))


# Checks -------------------------------------------------------------------------------------------


def e002(facts: Facts, host: str | None = None) -> Error:
    hosts = facts.hosts
    host = host or hosts.public_hostname
    source = "" if host != hosts.public_hostname or not hosts.public_hostname_source else f" ({hosts.public_hostname_source})"
    if host in hosts.declared_hosts and host != hosts.public_hostname:
        source = " (DEPLOY_CONCEPTS['hosts'])"
    return Error(
        f"ALLOWED_HOSTS {list(hosts.allowed_hosts)!r} lacks the public host {host}{source}.",
        hint=f"Add {host!r} to ALLOWED_HOSTS, or every request is a Bad Request (400).",
        id="deploy_webserver.E002",
    )


def public_hosts(facts: Facts) -> tuple[str, ...]:
    """The hostnames the site must answer for: the platform's, then the declared ones."""
    found = [facts.hosts.public_hostname] if facts.hosts.public_hostname else []
    return tuple(dict.fromkeys([*found, *facts.hosts.declared_hosts]))


def check_public_host_allowed(facts: Facts) -> list[CheckMessage]:
    # '*' matches everything; the checklist concern reports it (W003), so it is not repeated here.
    # An empty list with DEBUG off is E013's: one message for one cause.
    if not facts.hosts.allowed_hosts and facts.hosts.debug_off:
        return []
    return [
        e002(facts, host) for host in public_hosts(facts) if not any(host_matches(host, pattern) for pattern in facts.hosts.allowed_hosts)
    ]


def e013(facts: Facts) -> Error:
    hosts = public_hosts(facts)
    fix = f"ALLOWED_HOSTS = {list(hosts)!r}" if hosts else 'ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")'
    return Error(
        "ALLOWED_HOSTS is empty and DEBUG is False: every request is a Bad Request (400).",
        hint=f"Set {fix}; Django then logs Invalid HTTP_HOST header for any other name.",
        obj="ALLOWED_HOSTS",
        id="deploy_webserver.E013",
    )


def check_allowed_hosts_empty(facts: Facts) -> list[CheckMessage]:
    return [e013(facts)] if not facts.hosts.allowed_hosts and facts.hosts.debug_off else []


def e004(origin: str) -> Error:
    return Error(
        f"CSRF_TRUSTED_ORIGINS lacks {origin}, the origin of the public host.",
        hint=f'Add CSRF_TRUSTED_ORIGINS = ["{origin}"], or forms fail with "Origin checking failed".',
        id="deploy_webserver.E004",
    )


def check_csrf_trusted_origin(facts: Facts) -> list[CheckMessage]:
    # Django trusts the request's own origin when it sees https; behind a TLS-terminating proxy it
    # sees http unless SECURE_PROXY_SSL_HEADER is set, so the browser's https origin must be listed.
    # gunicorn takes the scheme from a proxy on the same host (127.0.0.1, a unix socket) that sets
    # X-Forwarded-Proto, but not from another host: there the origin must be listed too.
    host = facts.hosts.public_hostname
    behind_tls = (
        facts.platform.terminates_tls
        or facts.proxy == "other-host"
        or any(config.terminates_tls and config.proxies_to_app and not config.sets_forwarded_proto for config in facts.proxies)
    )
    if host is None or facts.https.proxy_ssl_header is not None or not behind_tls:
        return []
    origin = f"https://{host}"
    return [] if origin_trusted(origin, facts.hosts.csrf_trusted_origins) else [e004(origin)]
