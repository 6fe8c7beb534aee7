"""Settings and operations: Django's deployment checklist beyond the four concerns.

Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/howto/deployment/checklist/
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import runner
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

NAME = "checklist"
TITLE = "Settings and operations"
LETTER = "C"
ABOUT = (
    "Django's deployment checklist: settings that are fine on your machine and dangerous or broken in "
    "production. DEBUG must be off (it shows your settings and code to anyone who triggers an error), "
    "SECRET_KEY must be secret and the same in every process, ALLOWED_HOSTS must name your real "
    "hostnames, and errors must reach someone.",
    "Read secrets and switches from the environment, converting them properly: "
    'os.environ.get("DEBUG", False) returns the string "False", which Python treats as true.',
)
# Everything not claimed by another concern comes here too (see runner.concern_for_django_check).
DJANGO_CHECKS = ("security.W009", "security.W018", "security.W020", "security.W025")


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Facts:
    debug_type: str
    debug_value: str
    secret_key_error: str | None
    secret_key_length: int | None
    allowed_hosts: tuple[str, ...]
    allowed_hosts_error: str | None


def collect_facts(context: ProjectContext) -> Facts:
    debug = context.setting("DEBUG", False)
    secret_key = context.setting("SECRET_KEY")
    secret_key_error = next((error.error for error in context.setting_errors if error.name == "SECRET_KEY"), None)
    if secret_key_error is None and not secret_key:
        secret_key_error = "The SECRET_KEY setting must not be empty."
    hosts = context.setting("ALLOWED_HOSTS", [])
    hosts_ok = isinstance(hosts, (list, tuple))
    return Facts(
        debug_type=type(debug).__name__,
        # Only the type and truth are shown for non-booleans: DEBUG never holds a secret, but keep it short.
        debug_value=repr(debug)[:40],
        secret_key_error=secret_key_error,
        secret_key_length=len(secret_key) if isinstance(secret_key, (str, bytes)) else None,
        allowed_hosts=tuple(str(host) for host in hosts) if hosts_ok else (),
        allowed_hosts_error=None if hosts_ok else f"ALLOWED_HOSTS should be a list, not {type(hosts).__name__}",
    )


# Checks -------------------------------------------------------------------------------------------


def c001(facts: Facts) -> Error:
    return Error(
        f"DEBUG is the {facts.debug_type} {facts.debug_value}, not True or False; it counts as true.",
        hint='Convert it: DEBUG = os.environ.get("DEBUG", "") == "1" (or use a boolean parser).',
        id="deploy_concepts.C001",
    )


def check_debug_is_boolean(facts: Facts) -> list[CheckMessage]:
    return [] if facts.debug_type == "bool" else [c001(facts)]


def c002(facts: Facts) -> Error:
    return Error(
        f"SECRET_KEY cannot be used: {facts.secret_key_error}",
        hint='Read it from the environment: SECRET_KEY = os.environ["DJANGO_SECRET_KEY"], and set it in every step.',
        id="deploy_concepts.C002",
    )


def check_secret_key_usable(facts: Facts) -> list[CheckMessage]:
    return [c002(facts)] if facts.secret_key_error else []


C003 = Warning(
    "ALLOWED_HOSTS contains '*': any Host header is accepted.",
    hint="List your real hostnames; '*' lets attackers poison password-reset links and caches.",
    id="deploy_concepts.C003",
)


def check_wildcard_host(facts: Facts) -> list[CheckMessage]:
    return [C003] if "*" in facts.allowed_hosts else []


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


def c004(host: str, problem: str) -> Error:
    return Error(
        f"ALLOWED_HOSTS entry {host!r} {problem}; it never matches a request.",
        hint="Entries are bare hostnames such as 'example.com' or '.example.com'.",
        obj=host,
        id="deploy_concepts.C004",
    )


def check_host_shapes(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for host in facts.allowed_hosts:
        problem = host_shape_error(host)
        if problem:
            messages.append(c004(host, problem))
    return messages


CHECKS = (check_debug_is_boolean, check_secret_key_usable, check_wildcard_host, check_host_shapes)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    found = [
        Fact("DEBUG", facts.debug_value, facts.debug_value == "False"),
        Fact(
            "SECRET_KEY",
            facts.secret_key_error or f"set ({facts.secret_key_length} characters, value not shown)",
            facts.secret_key_error is None,
        ),
        Fact(
            "ALLOWED_HOSTS",
            facts.allowed_hosts_error or repr(list(facts.allowed_hosts)),
            bool(facts.allowed_hosts) and "*" not in facts.allowed_hosts,
        ),
    ]
    steps: list[Step] = []
    if facts.debug_value != "False":
        steps.append(
            Step(
                "Turn DEBUG off in production, reading a real boolean from the environment.",
                "",
                'DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"',
                "python",
            )
        )
    if facts.secret_key_error:
        steps.append(
            Step(
                "Read SECRET_KEY from the environment and set it on the server.",
                "",
                'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]',
                "python",
            )
        )
    steps.append(
        Step("Run Django's own deployment checks with this app's checks included.", "", "python manage.py check --deploy", "shell")
    )
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def hops(facts: Facts) -> tuple[Hop, ...]:
    return ()
