"""Web server: the platform router or proxy in front of the WSGI server, HTTPS, hosts and media.

Sub-topics, one module each: https (the proxy headers), hosts, media, proxies (web server configs
kept in the project), configs (generated nginx/Apache/Caddy/systemd files).
Docs: docs/checks/webserver.rst and docs/platforms.rst.
"""

from __future__ import annotations

import re

from django_deploy_concepts import formats, plan
from django_deploy_concepts.concerns.base import Concern
from django_deploy_concepts.concerns.webserver.configs import KINDS, Upstream, collect_serving_facts, emit, parse_upstream, render
from django_deploy_concepts.concerns.webserver.facts import Facts, HostFacts, HttpsFacts, MediaFacts, ServingFacts
from django_deploy_concepts.concerns.webserver.hosts import (
    check_allowed_hosts_empty,
    check_csrf_trusted_origin,
    check_public_host_allowed,
    collect_host_facts,
    e002,
    e004,
    e013,
    public_hosts,
    usable_hostnames,
)
from django_deploy_concepts.concerns.webserver.https import (
    E001,
    FORWARDED_PROTO,
    FORWARDED_PROTO_LINE,
    I016,
    W008,
    check_forwarded_host,
    check_proxy_header_matches,
    check_proxy_header_shape,
    check_proxy_sets_scheme,
    check_proxy_topology_declared,
    check_redirect_loop,
    check_redirect_loop_other_host,
    check_spoofable_proxy_header,
    collect_https_facts,
    e006,
    e007,
    e014,
    e015,
    w005,
)
from django_deploy_concepts.concerns.webserver.media import (
    check_media_on_ephemeral_disk,
    check_media_served,
    check_media_served_by_something,
    check_media_settings,
    collect_media_facts,
    url_path,
    w003,
    w011,
    w012,
    w017,
)
from django_deploy_concepts.concerns.webserver.proxies import (
    ProxyConfig,
    check_proxy_passes_host,
    check_upload_body_limit,
    collect_proxy_configs,
    e009,
    w010,
)
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

__all__ = [
    "ABOUT",
    "CHECKS",
    "CONCERN",
    "DJANGO_CHECKS",
    "DJANGO_CHECK_TAGS",
    "E001",
    "FORWARDED_PROTO",
    "FORWARDED_PROTO_LINE",
    "I016",
    "KINDS",
    "LABEL",
    "NAME",
    "TITLE",
    "W008",
    "Facts",
    "HostFacts",
    "HttpsFacts",
    "MediaFacts",
    "ProxyConfig",
    "ServingFacts",
    "Upstream",
    "check_allowed_hosts_empty",
    "check_csrf_trusted_origin",
    "check_forwarded_host",
    "check_media_on_ephemeral_disk",
    "check_media_served",
    "check_media_served_by_something",
    "check_media_settings",
    "check_proxy_header_matches",
    "check_proxy_header_shape",
    "check_proxy_passes_host",
    "check_proxy_sets_scheme",
    "check_proxy_topology_declared",
    "check_public_host_allowed",
    "check_redirect_loop",
    "check_redirect_loop_other_host",
    "check_spoofable_proxy_header",
    "check_upload_body_limit",
    "collect_facts",
    "e002",
    "e004",
    "e006",
    "e007",
    "e009",
    "e013",
    "e014",
    "e015",
    "emit",
    "explain",
    "front",
    "hops",
    "media_server",
    "parse_upstream",
    "public_hosts",
    "render",
    "url_path",
    "usable_hostnames",
    "w003",
    "w005",
    "w010",
    "w011",
    "w012",
    "w017",
]

NAME = "webserver"
TITLE = "Web server"
LABEL = "deploy_webserver"
ABOUT = (
    "Do I need nginx if I use a PaaS? Something must stand between the internet and your WSGI server: "
    "it accepts HTTPS, buffers slow clients so a gunicorn worker is not tied up by one slow phone, "
    "serves files, and forwards each request with headers that say which host and scheme the browser "
    "used. On a plain server that is nginx, Apache or Caddy, which you configure; on a platform "
    "(Heroku, Render, Fly.io, ...) its router does it for you.",
    "Because TLS ends at that proxy, Django sees plain http unless SECURE_PROXY_SSL_HEADER tells it "
    "to trust the proxy's X-Forwarded-Proto header. Without it SECURE_SSL_REDIRECT loops forever "
    '(ERR_TOO_MANY_REDIRECTS) and forms fail with "Forbidden (403) CSRF verification failed ... '
    'Origin checking failed". Trust that header only where a proxy always sets it: elsewhere any '
    'client can claim https. The public hostname must be in ALLOWED_HOSTS, or every request is a "Bad '
    'Request (400)" with "Invalid HTTP_HOST header" in the log.',
    "Uploads (media files) are not static files: they appear while the site runs, so collectstatic "
    "and WhiteNoise never see them. In production they must be stored where a deploy does not wipe "
    "them and served at MEDIA_URL by something: object storage on a platform, or the web server on a "
    "server of your own. With DEBUG = False, Django's static() URL helper serves nothing, and "
    'nginx refuses bodies over 1 MB ("413 Request Entity Too Large") unless told otherwise.',
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
    # CSRF_TRUSTED_ORIGINS entries without a scheme.
    "4_0.E001",
)
# The tags of the Django checks that can report those ids: a run of this concern alone runs only them.
DJANGO_CHECK_TAGS: tuple[str, ...] | None = ("security", "compatibility")


# Facts --------------------------------------------------------------------------------------------


COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
PROXY_IMAGES = re.compile(r"^(?:[\w.-]+/)*(nginx|caddy|httpd|traefik|haproxy)(?:[:@].*)?$", re.IGNORECASE)


def compose_proxy(context: ProjectContext) -> str | None:
    """A compose service running a web server image: a proxy in a container of its own."""
    for name in COMPOSE_FILES:
        project_file = context.files.get(name)
        if project_file is None or project_file.text is None:
            continue
        try:
            document = formats.read_yaml(project_file.text)
        except formats.FormatError:
            continue
        services = document.get("services") if isinstance(document, formats.YamlMap) else None
        for service, definition in services.items.items() if isinstance(services, formats.YamlMap) else ():
            image = formats.yaml_text(definition.get("image")) if isinstance(definition, formats.YamlMap) else None
            if image and PROXY_IMAGES.match(image.strip()):
                return f"{name}:{definition.line} service {service} ({image.strip()})"
    return None


def proxy_topology(context: ProjectContext) -> dict[str, str | None]:
    declared = context.target.proxy
    if declared is not None:
        return {"proxy": declared, "proxy_source": f"{context.target.source('proxy')} {declared!r}"}
    found = compose_proxy(context)
    # gunicorn told to trust the proxy's address (--forwarded-allow-ips, FORWARDED_ALLOW_IPS or
    # gunicorn.conf.py) takes X-Forwarded-Proto from it as from a proxy on the same host.
    trusted = any(re.search(r"forwarded[-_]allow[-_]ips", text, re.IGNORECASE) for text in context.build_files().values())
    return {"proxy": "other-host" if found and not trusted else None, "proxy_source": found}


def collect_facts(context: ProjectContext) -> Facts:
    errors: list[str] = []
    return Facts(
        platform=context.platform_info,
        platform_evidence=context.platform.evidence,
        https=collect_https_facts(context),
        hosts=collect_host_facts(context, errors),
        media=collect_media_facts(context, errors),
        proxies=collect_proxy_configs(context, errors),
        serving=collect_serving_facts(context),
        errors=tuple(errors),
        media_served_by=context.target.media_served_by,
        **proxy_topology(context),
    )


# Checks -------------------------------------------------------------------------------------------
# Each check lives with its sub-topic; the messages are listed in docs/checks/webserver.rst.

CHECKS = (
    check_redirect_loop,
    check_redirect_loop_other_host,
    check_proxy_sets_scheme,
    check_proxy_topology_declared,
    check_allowed_hosts_empty,
    check_public_host_allowed,
    check_media_on_ephemeral_disk,
    check_csrf_trusted_origin,
    check_spoofable_proxy_header,
    check_proxy_header_shape,
    check_proxy_header_matches,
    check_forwarded_host,
    check_proxy_passes_host,
    check_upload_body_limit,
    check_media_settings,
    check_media_served,
    check_media_served_by_something,
)


# Explanation --------------------------------------------------------------------------------------

# The fix, in settings, for each of Django's own deploy checks this concern explains.
DJANGO_FIXES: dict[str, str] = {
    "security.W001": '# MIDDLEWARE: put "django.middleware.security.SecurityMiddleware" first',
    "security.W002": '# MIDDLEWARE: add "django.middleware.clickjacking.XFrameOptionsMiddleware"',
    "security.W003": '# MIDDLEWARE: add "django.middleware.csrf.CsrfViewMiddleware"',
    "security.W004": "SECURE_HSTS_SECONDS = 3600  # raise to 31536000 once every page works over https",
    "security.W005": "SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # only if every subdomain is https too",
    "security.W006": "SECURE_CONTENT_TYPE_NOSNIFF = True",
    "security.W010": "SESSION_COOKIE_SECURE = True",
    "security.W011": "SESSION_COOKIE_SECURE = True",
    "security.W012": "SESSION_COOKIE_SECURE = True",
    "security.W013": "SESSION_COOKIE_HTTPONLY = True",
    "security.W014": "SESSION_COOKIE_HTTPONLY = True",
    "security.W015": "SESSION_COOKIE_HTTPONLY = True",
    "security.W016": "CSRF_COOKIE_SECURE = True",
    "security.W019": 'X_FRAME_OPTIONS = "DENY"',
    "security.W021": "SECURE_HSTS_PRELOAD = True  # then submit the domain at hstspreload.org",
    "security.W022": 'SECURE_REFERRER_POLICY = "same-origin"',
    "security.E023": 'SECURE_REFERRER_POLICY = "same-origin"',
    "security.E024": 'SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"',
}


def front(facts: Facts) -> str:
    if facts.platform.kind == "paas":
        return f"{facts.platform.title}'s router (TLS ends there)"
    servers = [f"{config.server} ({config.path})" for config in facts.proxies if config.proxies_to_app]
    if servers:
        return ", ".join(servers[:3])
    if facts.platform.kind == "container":
        return "whatever runs your container: a platform router, or nginx/Caddy you add"
    return "a web server you run: nginx, Apache or Caddy"


def media_server(facts: Facts) -> str:
    """Who serves uploads in production, in words."""
    media = facts.media
    if not media.local_file_fields:
        if media.remote_file_fields:
            return f"the storage backend of {len(media.remote_file_fields)} file field(s), not this server"
        return "nothing needed: no model has a file or image field"
    if facts.platform.ephemeral_disk:
        return f"nobody for long: {facts.platform.title}'s disk is wiped, and WhiteNoise serves only static files"
    if facts.platform.kind == "paas":
        return f"{facts.platform.title}, once you {facts.platform.media_advice}"
    path = url_path(media.media_url)
    serving = [
        config.path
        for config in facts.proxies
        if path and any(path.startswith(loc.rstrip("/") + "/") for loc in config.locations if loc.strip("/"))
    ]
    if serving:
        return f"{serving[0]}, at MEDIA_URL {path}"
    if facts.media_served_by not in (None, "whitenoise"):
        return f"{facts.media_served_by} (declared in DEPLOY_CONCEPTS), at MEDIA_URL {path}"
    return "nothing found: no web server config in the project serves MEDIA_URL, and WhiteNoise does not serve uploads"


def media_known_served(facts: Facts) -> bool:
    """Something this report knows serves uploads: a storage backend, a declared server, or a web server config of the project."""
    media = facts.media
    if not media.local_file_fields or facts.media_served_by not in (None, "whitenoise"):
        return True
    path = url_path(media.media_url)
    if not path:
        return False
    return any(
        path.startswith(location.rstrip("/") + "/") for config in facts.proxies for location in config.locations if location.strip("/")
    )


def header_fact(facts: Facts) -> Fact:
    https = facts.https
    value = https.proxy_ssl_header_malformed or repr(https.proxy_ssl_header)
    if facts.platform.terminates_tls:
        return Fact("SECURE_PROXY_SSL_HEADER", value, https.proxy_ssl_header is not None)
    return Fact("SECURE_PROXY_SSL_HEADER", value, None)


def found_facts(facts: Facts) -> list[Fact]:
    platform, hosts, media = facts.platform, facts.hosts, facts.media
    allowed = repr(list(hosts.allowed_hosts))
    if "*" in hosts.allowed_hosts:
        allowed += " ('*' accepts any Host header: see deploy_checklist.W003)"
    found = [
        Fact("Platform", f"{platform.title} ({'; '.join(facts.platform_evidence)})", None),
        Fact("In front of the WSGI server", front(facts), None),
        Fact(
            "Public hostname",
            f"{hosts.public_hostname} (from {hosts.public_hostname_source})"
            if hosts.public_hostname
            else f"not known here: {platform.hostname_note}",
            None,
        ),
        Fact("ALLOWED_HOSTS", allowed, bool(hosts.allowed_hosts) and "*" not in hosts.allowed_hosts),
        Fact("CSRF_TRUSTED_ORIGINS", repr(list(hosts.csrf_trusted_origins)), None),
        header_fact(facts),
        Fact("SECURE_SSL_REDIRECT", repr(facts.https.secure_ssl_redirect), None),
    ]
    if hosts.use_x_forwarded_host:
        found.append(Fact("USE_X_FORWARDED_HOST", "True", not platform.passes_host))
    if facts.proxies:
        found.append(Fact("Web server configs in the project", ", ".join(f"{c.path} ({c.server})" for c in facts.proxies), None))
    found += [
        Fact("MEDIA_ROOT", media.media_root or "(not set)", None),
        Fact("MEDIA_URL", media.media_url or "(not set)", None),
        Fact("Model file fields on local disk", ", ".join(media.local_file_fields) or "(none)", None),
        Fact("Uploads served in production by", media_server(facts), None),
        Fact("Disk", platform.disk_note, None),
        Fact("Port", platform.port_note, None),
    ]
    if platform.simple_deploy and platform.simple_deploy_plugin:
        found.append(Fact("django-simple-deploy", f"supports {platform.title} (pip install {platform.simple_deploy_plugin})", None))
    found += [Fact("Could not read", error, False) for error in facts.errors]
    return found


def host_steps(facts: Facts, deployment: Plan) -> list[Step]:
    host = deployment.hostname.text
    lines = deployment.snippet("ALLOWED_HOSTS")
    if "*" in facts.hosts.allowed_hosts:
        title = "Replace '*' in ALLOWED_HOSTS with your real hostnames (deploy_checklist.W003)."
    elif facts.hosts.public_hostname is not None:
        if not (check_public_host_allowed(facts) or check_csrf_trusted_origin(facts)):
            return []
        title = f"Allow the public hostname {host}."
    elif not usable_hostnames(facts.hosts.allowed_hosts):
        title = f"Allow the public hostname ({host} here)."
    else:
        return []
    detail = (
        f"{deployment.hostname.sentence} ALLOWED_HOSTS entries are bare "
        "hostnames (the apex domain and www are two); CSRF_TRUSTED_ORIGINS entries need the scheme."
    )
    return [Step(title, detail, lines, "python")]


def https_steps(facts: Facts, deployment: Plan) -> list[Step]:
    https = facts.https
    wrong = bool(check_proxy_header_shape(facts) or check_proxy_header_matches(facts))
    if facts.platform.terminates_tls and (https.proxy_ssl_header is None or wrong):
        return [
            Step(
                f"Trust the X-Forwarded-Proto header that {facts.platform.title} sets.",
                f"{facts.platform.title}'s router ends TLS and passes the request on to your app over plain http, with the "
                "X-Forwarded-Proto header. It always sets that header, so Django can believe it there (and only there).",
                deployment.snippet("SECURE_PROXY_SSL_HEADER") or FORWARDED_PROTO_LINE,
                "python",
            )
        ]
    return []


HTTPS_IDS = frozenset({"security.W004", "security.W008", "security.W010", "security.W011", "security.W012", "security.W016"})


def django_security_step(facts: Facts, findings: tuple[Finding, ...], deployment: Plan) -> list[Step]:
    fired = [finding.id for finding in findings if finding.source == "django" and finding.id in DJANGO_CHECKS]
    if not fired:
        return []
    lines = [DJANGO_FIXES[check_id] for check_id in fired if check_id in DJANGO_FIXES and check_id not in HTTPS_IDS]
    if HTTPS_IDS & set(fired):
        if "security.W008" in fired and facts.platform.kind != "paas":
            lines.append("# certbot's nginx/Apache setup already redirects http to https; the setting does it otherwise:")
        lines.append(deployment.snippet("HTTPS"))
        # A platform's own step already asks for the header (https_steps); a server's proxy sets it too.
        if facts.https.proxy_ssl_header is None and not facts.platform.terminates_tls and "SECURE_PROXY_SSL_HEADER" in deployment.settings:
            lines.append(deployment.settings["SECURE_PROXY_SSL_HEADER"] + "  # with the generated config; the redirect loops without it")
    if "4_0.E001" in fired:
        lines.append(deployment.settings["ALLOWED_HOSTS"])
    return [
        Step(
            "Turn on the HTTPS protections Django's check --deploy asks for.",
            f"Secure cookies (sent by the browser over https only) and HSTS work behind {front(facts)} once Django knows "
            "requests arrive over https. "
            "They follow DEBUG, so runserver on your machine keeps plain http.",
            "\n".join(dict.fromkeys(lines)),
            "python",
        )
    ]


def media_steps(facts: Facts, deployment: Plan) -> list[Step]:
    media, platform = facts.media, facts.platform
    if not media.local_file_fields:
        return []
    if check_media_settings(facts):
        return [
            Step("Give uploads a folder and a URL.", "In your settings:", 'MEDIA_ROOT = BASE_DIR / "media"\nMEDIA_URL = "media/"', "python")
        ]
    if platform.ephemeral_disk:
        return [
            Step(
                "Keep uploads in object storage, not on the disk.",
                f"On {platform.title}, {platform.media_advice}: the disk is ephemeral ({platform.disk_note}). "
                f"For example, with django-storages[s3] in {deployment.requirements_file}: set {plan.BUCKET_VARIABLE} (and "
                "the storage's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) where the site runs; without it, as on your "
                "machine, uploads stay in MEDIA_ROOT.",
                deployment.snippet("STORAGES"),
                "python",
            )
        ]
    if platform.kind == "paas":
        return [Step(f"Serve uploads on {platform.title}.", f"{platform.media_advice[0].upper()}{platform.media_advice[1:]}.", "", "")]
    return []


def server_steps(facts: Facts) -> list[Step]:
    if facts.platform.kind == "paas":
        # django-simple-deploy, where it supports the platform, is offered once, by explain_checklist.
        return []
    where = "Next to the container (a compose service), or on the server, put" if facts.platform.kind == "container" else "Put"
    return [
        Step(
            f"{where} nginx (or Apache, Caddy) in front of gunicorn.",
            "Generate configs tailored to these settings (REPLACE-ME marks what could not be known):",
            "python manage.py explain_webserver --emit nginx   # or apache, caddy\npython manage.py explain_webserver --emit systemd",
            "shell",
        )
    ]


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
    deployment = deployment or plan.for_platform(
        facts.platform.name,
        has_file_fields=bool(facts.media.local_file_fields),
        environ={facts.hosts.public_hostname_source: facts.hosts.public_hostname}
        if facts.hosts.public_hostname and facts.hosts.public_hostname_source
        else {},
        allowed_hosts=tuple(facts.hosts.allowed_hosts),
        declared_hosts=tuple(facts.hosts.declared_hosts),
    )
    steps = [
        *https_steps(facts, deployment),
        *host_steps(facts, deployment),
        *django_security_step(facts, findings, deployment),
        *media_steps(facts, deployment),
        *server_steps(facts),
    ]
    return Explanation(about=(situation(deployment), *ABOUT), found=tuple(found_facts(facts)), steps=tuple(steps))


def situation(deployment: Plan) -> str:
    """Who stands in front of the app where this project goes."""
    platform = deployment.platform
    if platform.kind == "paas":
        return (
            f"On {platform.title}, {platform.title}'s router is the web server in front: it accepts https, ends TLS and "
            "forwards each request to your app over plain http with X-Forwarded-Proto. You configure none of it; Django "
            "must only be told to trust that header and which hostnames are yours."
        )
    if platform.kind == "server":
        return (
            "On a server of your own, nginx (or Apache, Caddy) is the web server in front: you install and configure it, "
            "it holds the https certificate, serves the static files and passes every other request to gunicorn on "
            "127.0.0.1 or a unix socket."
        )
    if platform.kind == "container":
        return (
            "In a container, what stands in front is whatever routes traffic to it: a platform's router, or nginx in a "
            "container next to it. The container itself runs gunicorn only."
        )
    return (
        "No platform was detected, so both cases follow: a platform's router in front (Heroku, Render, Fly.io, ...), or "
        "nginx on a server of your own. Name yours with --platform, or declare it in DEPLOY_CONCEPTS."
    )


def hops(facts: Facts) -> tuple[Hop, ...]:
    broken = [
        check_redirect_loop,
        check_redirect_loop_other_host,
        check_proxy_sets_scheme,
        check_allowed_hosts_empty,
        check_public_host_allowed,
        check_proxy_header_shape,
        check_proxy_header_matches,
        check_proxy_passes_host,
    ]
    ready: bool | None = not any(check(facts) for check in broken)
    if ready and facts.platform.kind == "unknown" and not facts.proxies:
        ready = None
    router = Hop("router", "Web server / router", front(facts), ready)
    media = facts.media
    media_ready: bool | None = None
    if media.local_file_fields or media.remote_file_fields:
        gap = bool(
            check_media_on_ephemeral_disk(facts)
            or check_media_settings(facts)
            or check_media_served(facts)
            or check_media_served_by_something(facts)
        )
        # [ok] only when something known serves them; otherwise not known (--), or a gap (!!).
        media_ready = False if gap else True if media_known_served(facts) else None
    return (router, Hop("media", "Media files", media_server(facts), media_ready))


CONCERN = Concern(__name__)
