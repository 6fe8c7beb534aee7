"""Web server: the platform router or proxy in front of the WSGI server, HTTPS, hosts and media.

Docs: docs/checks/webserver.rst; Django: https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import runner
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

NAME = "webserver"
TITLE = "Web server"
LETTER = "H"
ABOUT = (
    "Do I need nginx if I use a PaaS? Something must stand between the internet and your WSGI server: "
    "it accepts HTTPS, buffers slow clients, serves files, and forwards each request with headers "
    "that say which host and scheme the browser used. On a plain server that is nginx, Apache or "
    "Caddy, which you configure; on a platform (Heroku, Render, Fly.io, ...) its router does it for you.",
    "Because TLS ends at that proxy, Django sees plain http unless SECURE_PROXY_SSL_HEADER tells it "
    "to trust the proxy's X-Forwarded-Proto header. Without it SECURE_SSL_REDIRECT loops forever "
    '(ERR_TOO_MANY_REDIRECTS) and forms fail with "Forbidden (403) CSRF verification failed". The '
    'public hostname must be in ALLOWED_HOSTS, or every request is a "Bad Request (400)".',
)
DJANGO_CHECKS = (
    "security.W001",
    "security.W002",
    "security.W003",
    "security.W004",
    "security.W005",
    "security.W006",
    "security.W008",
    "security.W010",
    "security.W011",
    "security.W012",
    "security.W013",
    "security.W014",
    "security.W015",
    "security.W016",
    "security.W017",
    "security.W019",
    "security.W021",
    "security.W022",
    "security.E023",
    "security.E024",
)
FORWARDED_PROTO = ("HTTP_X_FORWARDED_PROTO", "https")


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Facts:
    platform: str
    platform_title: str
    platform_kind: str
    terminates_tls: bool
    ephemeral_disk: bool
    host_suffix: str | None
    public_hostname: str | None
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    secure_ssl_redirect: bool
    secure_proxy_ssl_header: tuple[str, ...] | None
    media_root: str | None
    media_url: str | None
    errors: tuple[str, ...]


def string_list(context: ProjectContext, name: str, errors: list[str]) -> tuple[str, ...]:
    value = context.setting(name, [])
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    errors.append(f"{name} should be a list, not {type(value).__name__}")
    return ()


def collect_facts(context: ProjectContext) -> Facts:
    errors: list[str] = []
    platform = context.platform_info
    header = context.setting("SECURE_PROXY_SSL_HEADER")
    hostname = context.environ.get(platform.hostname_env) if platform.hostname_env else None
    if hostname and platform.name == "fly":
        hostname = f"{hostname}.fly.dev"
    media_root = context.setting("MEDIA_ROOT")
    media_url = context.setting("MEDIA_URL")
    return Facts(
        platform=platform.name,
        platform_title=platform.title,
        platform_kind=platform.kind,
        terminates_tls=platform.terminates_tls,
        ephemeral_disk=platform.ephemeral_disk and platform.kind != "unknown",
        host_suffix=platform.host_suffix,
        public_hostname=hostname or None,
        allowed_hosts=string_list(context, "ALLOWED_HOSTS", errors),
        csrf_trusted_origins=string_list(context, "CSRF_TRUSTED_ORIGINS", errors),
        secure_ssl_redirect=context.setting("SECURE_SSL_REDIRECT", False) is True,
        secure_proxy_ssl_header=tuple(str(item) for item in header) if isinstance(header, (list, tuple)) else None,
        media_root=str(media_root) if media_root else None,
        media_url=str(media_url) if media_url else None,
        errors=tuple(errors),
    )


# Checks -------------------------------------------------------------------------------------------

H001 = Error(
    "SECURE_SSL_REDIRECT is on behind a TLS-terminating proxy without SECURE_PROXY_SSL_HEADER.",
    hint='Add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https"), or every page redirects forever.',
    id="deploy_concepts.H001",
)


def check_redirect_loop(facts: Facts) -> list[CheckMessage]:
    if facts.secure_ssl_redirect and facts.terminates_tls and facts.secure_proxy_ssl_header is None:
        return [H001]
    return []


def host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower()
    if pattern == "*":
        return True
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return host == pattern


def h002(facts: Facts) -> Error:
    return Error(
        f"ALLOWED_HOSTS {list(facts.allowed_hosts)!r} lacks the public host {facts.public_hostname}.",
        hint=f"Add {facts.public_hostname!r} to ALLOWED_HOSTS, or every request is a Bad Request (400).",
        id="deploy_concepts.H002",
    )


def check_public_host_allowed(facts: Facts) -> list[CheckMessage]:
    host = facts.public_hostname
    if host is None or any(host_matches(host.lower(), pattern) for pattern in facts.allowed_hosts):
        return []
    return [h002(facts)]


def h003(facts: Facts) -> Warning:
    return Warning(
        f"Uploads go to MEDIA_ROOT {facts.media_root}, on {facts.platform_title}'s ephemeral disk.",
        hint="They vanish at the next deploy: store uploads in object storage (django-storages).",
        id="deploy_concepts.H003",
    )


def check_media_on_ephemeral_disk(facts: Facts) -> list[CheckMessage]:
    return [h003(facts)] if facts.media_root and facts.ephemeral_disk else []


def h004(facts: Facts, origin: str) -> Warning:
    return Warning(
        f"CSRF_TRUSTED_ORIGINS lacks {origin}, the origin of the public host.",
        hint=f'Add CSRF_TRUSTED_ORIGINS = ["{origin}"], or forms fail with "Origin checking failed".',
        id="deploy_concepts.H004",
    )


def check_csrf_trusted_origin(facts: Facts) -> list[CheckMessage]:
    # Django trusts the request's own host when it sees https; behind a proxy without the
    # header it sees http, so the browser's https origin must be listed.
    if facts.public_hostname is None or facts.secure_proxy_ssl_header is not None or not facts.terminates_tls:
        return []
    origin = f"https://{facts.public_hostname}"
    return [] if origin in facts.csrf_trusted_origins else [h004(facts, origin)]


CHECKS = (check_redirect_loop, check_public_host_allowed, check_media_on_ephemeral_disk, check_csrf_trusted_origin)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def front(facts: Facts) -> str:
    if facts.platform_kind == "paas":
        return f"{facts.platform_title}'s router (TLS ends there)"
    if facts.platform_kind == "container":
        return "whatever runs your container: a platform router, or nginx/Caddy you add"
    return "a web server you run: nginx, Apache or Caddy"


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    found = [
        Fact("In front of the WSGI server", front(facts), None),
        Fact("Public hostname", facts.public_hostname or "(not known here)", None),
        Fact("ALLOWED_HOSTS", repr(list(facts.allowed_hosts)), bool(facts.allowed_hosts)),
        Fact("CSRF_TRUSTED_ORIGINS", repr(list(facts.csrf_trusted_origins)), None),
        Fact(
            "SECURE_PROXY_SSL_HEADER",
            repr(facts.secure_proxy_ssl_header),
            facts.secure_proxy_ssl_header is not None if facts.terminates_tls else None,
        ),
        Fact("SECURE_SSL_REDIRECT", repr(facts.secure_ssl_redirect), None),
        Fact("MEDIA_ROOT", facts.media_root or "(not set)", None),
    ]
    found += [Fact("Could not read", error, False) for error in facts.errors]
    steps: list[Step] = []
    if facts.terminates_tls and facts.secure_proxy_ssl_header is None:
        steps.append(
            Step(
                f"Trust the X-Forwarded-Proto header that {facts.platform_title} sets.",
                "Only where a proxy you trust always sets it; otherwise clients could spoof it.",
                'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
                "python",
            )
        )
    host = facts.public_hostname or (f"myapp{facts.host_suffix}" if facts.host_suffix else "www.example.com")
    if not any(host_matches(host, pattern) for pattern in facts.allowed_hosts):
        steps.append(
            Step("Allow the public hostname.", "", f'ALLOWED_HOSTS = ["{host}"]\nCSRF_TRUSTED_ORIGINS = ["https://{host}"]', "python")
        )
    if facts.platform_kind in ("server", "unknown"):
        steps.append(
            Step(
                "Put nginx (or Apache, Caddy) in front of gunicorn.",
                "Generate a config tailored to these settings:",
                "python manage.py explain_webserver --emit nginx",
                "shell",
            )
        )
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def hops(facts: Facts) -> tuple[Hop, ...]:
    ready = not (facts.secure_ssl_redirect and facts.terminates_tls and facts.secure_proxy_ssl_header is None)
    router = Hop("router", "Web server / router", front(facts), ready if facts.platform_kind != "unknown" else None)
    media = Hop(
        "media",
        "Media files",
        f"MEDIA_ROOT {facts.media_root or 'not set'}",
        not (facts.media_root and facts.ephemeral_disk) if facts.media_root else None,
    )
    return (router, media)
