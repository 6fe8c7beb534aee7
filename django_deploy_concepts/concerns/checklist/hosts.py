"""ALLOWED_HOSTS: the real hostnames, each a bare name that can match a request's Host header.

Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import platforms
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist.facts import HostFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import HOSTS_VARIABLE, Plan
from django_deploy_concepts.report import Fact, Step

# Domains a platform shares between all its customers' apps: ".herokuapp.com" admits them all.
SHARED_SUFFIXES = {platform.host_suffix: platform.title for platform in platforms.PLATFORMS if platform.host_suffix}


# Facts --------------------------------------------------------------------------------------------


def collect(context: ProjectContext) -> HostFacts:
    hosts = context.setting("ALLOWED_HOSTS", [])
    hosts_ok = isinstance(hosts, (list, tuple))
    return HostFacts(
        allowed_hosts=tuple(str(host) for host in hosts) if hosts_ok else (),
        error=None if hosts_ok else f"ALLOWED_HOSTS should be a list, not {type(hosts).__name__}",
        platform=context.platform_info,
        declared_hosts=context.target.hosts,
    )


# Checks -------------------------------------------------------------------------------------------

W003 = Warning(
    "ALLOWED_HOSTS contains '*': any Host header is accepted.",
    hint="List your real hostnames; '*' lets attackers poison password-reset links and caches.",
    id="deploy_checklist.W003",
)


def check_wildcard_host(facts: HostFacts) -> list[CheckMessage]:
    return [W003] if "*" in facts.allowed_hosts else []


def host_shape_error(host: str) -> str | None:
    if "://" in host:
        return "has a scheme"
    if "/" in host:
        return "has a path"
    if host.startswith("["):
        return None
    parsed = urlsplit(f"//{host}")
    try:
        port = parsed.port
    except ValueError:
        return "has an invalid port"
    return "has a port" if port is not None else None


def e004(host: str, problem: str) -> Error:
    return Error(
        f"ALLOWED_HOSTS entry {host!r} {problem}; it never matches a request.",
        hint="Entries are bare hostnames such as 'example.com' or '.example.com'.",
        obj=host,
        id="deploy_checklist.E004",
    )


def check_host_shapes(facts: HostFacts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for host in facts.allowed_hosts:
        problem = host_shape_error(host)
        if problem:
            messages.append(e004(host, problem))
    return messages


def w010(host: str, title: str) -> Warning:
    return Warning(
        f"ALLOWED_HOSTS entry {host!r} accepts every app on {title}'s shared domain.",
        hint="Name your app's own host instead: the platform in use is another one.",
        obj=host,
        id="deploy_checklist.W010",
    )


def check_shared_domain_wildcard(facts: HostFacts) -> list[CheckMessage]:
    # On the platform that owns the domain its router sends each app only its own hostnames, so
    # the suffix admits nothing else; elsewhere the entry is a leftover that admits a foreign host.
    return [
        w010(host, SHARED_SUFFIXES[host.lower()])
        for host in facts.allowed_hosts
        if host.lower() in SHARED_SUFFIXES
        and facts.platform.name != "unknown"
        and host.lower() != (facts.platform.host_suffix or "").lower()
    ]


CHECKS = (check_wildcard_host, check_host_shapes, check_shared_domain_wildcard)


# Explanation --------------------------------------------------------------------------------------


def hostname_variable_note(deployment: Plan) -> str:
    hostname, platform = deployment.hostname, deployment.platform
    if hostname.variable == HOSTS_VARIABLE:
        return (
            f"Set {HOSTS_VARIABLE} to the names the site is reached by, comma-separated (the apex domain and www are two "
            f"names): {platform.set_variables}."
        )
    note = f" ({platform.hostname_note})" if platform.hostname_note else ""
    return f"Your own domain, if any, goes into {HOSTS_VARIABLE}{note}."


def found(facts: HostFacts, ids: Collection[str]) -> list[Fact]:
    ok = bool(facts.allowed_hosts) and HOST_IDS.isdisjoint(ids)
    return [Fact("ALLOWED_HOSTS", facts.error or repr(list(facts.allowed_hosts)), ok)]


def hosts_step(facts: HostFacts, deployment: Plan) -> Iterator[Step]:
    hostname = deployment.hostname
    source = hostname.sentence if hostname.name else f"{hostname.sentence} {hostname_variable_note(deployment)}"
    yield Step(
        "Name the real hostnames in ALLOWED_HOSTS: bare names, no scheme, port or path.",
        'A request for any other host gets "Bad Request (400)" and the log says "Invalid HTTP_HOST header"; '
        'with DEBUG off and no hosts at all, runserver stops with "CommandError: You must set '
        "settings.ALLOWED_HOSTS if DEBUG is False.\" (Django's security.W020). '*' accepts any host, which "
        f"lets attackers poison password-reset links. {source}",
        deployment.snippet("ALLOWED_HOSTS"),
        "python",
    )


HOST_IDS = frozenset({"deploy_checklist.W003", "deploy_checklist.E004", "deploy_checklist.W010", "security.W020"})
# Also when no host is allowed at all.
FIXES = (Fix(HOST_IDS, hosts_step, also=lambda facts: not facts.allowed_hosts),)
