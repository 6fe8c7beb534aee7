"""Generated configurations: nginx, Apache, Caddy and a systemd socket + service for gunicorn.

Rendered from templates/django_deploy_concepts/ with a standalone template Engine, so they come out
the same whatever the project's TEMPLATES say. Values that cannot be known become REPLACE-ME.
Docs: docs/checks/webserver.rst; gunicorn: https://docs.gunicorn.org/en/stable/deploy.html
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.template import Context, Engine

from django_deploy_concepts.concerns.webserver.hosts import usable_hostnames
from django_deploy_concepts.concerns.webserver.media import url_path
from django_deploy_concepts.concerns.webserver.proxies import DJANGO_DEFAULT_UPLOAD_SIZE
from django_deploy_concepts.context import ProjectContext

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts

KINDS = ("nginx", "apache", "caddy", "systemd")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
PLACEHOLDER = "REPLACE-ME"
DEFAULT_SOCKET = "/run/gunicorn.sock"
# With model file fields the body limit is at least this: Django itself never limits a file's size.
UPLOADS_BODY_SIZE = 10 * 1024**2
MEBIBYTE = 1024**2
SAFE_VALUE = re.compile(r"^[A-Za-z0-9/._~+@:=,-]+$")


@dataclasses.dataclass(frozen=True)
class ServingFacts:
    """What a web server config and a gunicorn service need from the project."""

    project_name: str
    base_dir: str
    settings_module: str
    wsgi_application: str | None
    static_url: str | None
    static_root: str | None
    data_upload_max_memory_size: int | None
    file_upload_max_memory_size: int | None
    # gunicorn next to the running Python, when it is installed there.
    gunicorn_path: str | None


def int_setting(context: ProjectContext, name: str) -> int | None:
    value = context.setting(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def collect_serving_facts(context: ProjectContext) -> ServingFacts:
    settings_module = context.settings_module
    root_package = settings_module.split(".")[0] if settings_module else context.base_dir.name
    gunicorn = Path(sys.executable).parent / "gunicorn"
    wsgi = context.setting("WSGI_APPLICATION")
    static_url = context.setting("STATIC_URL")
    static_root = context.setting("STATIC_ROOT")
    return ServingFacts(
        project_name=re.sub(r"[^a-z0-9_-]+", "-", root_package.lower()).strip("-") or "django",
        base_dir=str(context.base_dir),
        settings_module=settings_module,
        wsgi_application=wsgi if isinstance(wsgi, str) and wsgi.count(".") >= 1 else None,
        static_url=str(static_url) if static_url else None,
        static_root=str(static_root) if static_root else None,
        data_upload_max_memory_size=int_setting(context, "DATA_UPLOAD_MAX_MEMORY_SIZE"),
        file_upload_max_memory_size=int_setting(context, "FILE_UPLOAD_MAX_MEMORY_SIZE"),
        gunicorn_path=str(gunicorn) if os.access(gunicorn, os.X_OK) else None,
    )


# Rendering ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ConfigFile:
    # Where the file goes on a Debian or Ubuntu server.
    path: str
    text: str


@dataclasses.dataclass(frozen=True)
class Upstream:
    """Where gunicorn listens: a unix socket path, or host:port."""

    socket: str | None = DEFAULT_SOCKET
    address: str | None = None


def parse_upstream(value: str) -> Upstream:
    """``unix:/run/gunicorn.sock`` or ``127.0.0.1:8000``; ValueError for anything else."""
    if value.startswith("unix:"):
        path = value.removeprefix("unix:")
        if not path.startswith("/") or not SAFE_VALUE.match(path):
            raise ValueError(f"{value!r}: a unix socket needs an absolute path, such as unix:{DEFAULT_SOCKET}")
        return Upstream(socket=path)
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536 or not SAFE_VALUE.match(host):
        raise ValueError(f"{value!r} is neither unix:/path/to.sock nor host:port")
    return Upstream(socket=None, address=value)


def quoted(value: str) -> str:
    """A value as nginx, Apache and Caddy all read it: bare when plain, double-quoted otherwise."""
    if SAFE_VALUE.match(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def absolute(path: str, base_dir: str) -> str:
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base_dir, path))


def body_limit(facts: Facts) -> tuple[int, str]:
    """The request body limit the web server should allow, in MiB, and why."""
    serving = facts.serving
    sizes = [size for size in (serving.data_upload_max_memory_size, serving.file_upload_max_memory_size) if size]
    django_limit = max(sizes, default=DJANGO_DEFAULT_UPLOAD_SIZE)
    if facts.media.local_file_fields:
        size = max(django_limit, UPLOADS_BODY_SIZE)
        why = "Room for uploads: Django limits form fields, not files; raise it to your largest file"
    else:
        size = django_limit
        why = "As large as DATA_UPLOAD_MAX_MEMORY_SIZE, the largest form Django accepts"
    return -(-size // MEBIBYTE), why


def location(url: str | None, root: str | None, base_dir: str, setting: str, notes: list[str]) -> dict[str, str] | None:
    """Where a web server serves STATIC_URL or MEDIA_URL from, or None when it is a full URL (a CDN)."""
    if url and ("://" in url or url.startswith("//")):
        return None
    path = url_path(url) or f"/{setting.split('_')[0].lower()}/"
    if not url:
        notes.append(f"{setting.split('_')[0]}_URL is not set; {path} assumed")
    if root:
        directory = absolute(root, base_dir)
    else:
        directory = f"/srv/{PLACEHOLDER}/{'staticfiles' if setting == 'STATIC_ROOT' else 'media'}"
        notes.append(f"{setting} is not set; {directory} stands for it")
    return {"path": path, "root": quoted(directory.rstrip("/") or "/"), "root_slash": quoted(directory.rstrip("/") + "/")}


def template_context(facts: Facts, upstream: Upstream, listen: str | None) -> dict[str, Any]:
    serving = facts.serving
    # What could not be known, said at the top of the files it concerns.
    notes: list[str] = []
    service_notes: list[str] = []
    names = list(usable_hostnames(facts.hosts.allowed_hosts)) or list(facts.hosts.declared_hosts)
    if not names:
        names = [f"{PLACEHOLDER}.example.com"]
        notes.append(f"ALLOWED_HOSTS {list(facts.hosts.allowed_hosts)!r} names no public host; put your domain here and there")
    exact = [name.lstrip(".") for name in names]
    apache_aliases = [f"*{name}" if name.startswith(".") else name for name in names[1:]]
    if names[0].startswith("."):
        apache_aliases.insert(0, f"*{names[0]}")
    static = location(serving.static_url, serving.static_root, serving.base_dir, "STATIC_ROOT", notes)
    media = None
    if facts.media.local_file_fields or facts.media.media_root:
        media = location(facts.media.media_url, facts.media.media_root, serving.base_dir, "MEDIA_ROOT", notes)
    if serving.wsgi_application:
        module, _, attribute = serving.wsgi_application.rpartition(".")
        wsgi_target = f"{module}:{attribute}"
    else:
        wsgi_target = f"{PLACEHOLDER}.wsgi:application"
        service_notes.append("WSGI_APPLICATION is not set; name your project's wsgi module")
    gunicorn = serving.gunicorn_path or f"/srv/{PLACEHOLDER}/venv/bin/gunicorn"
    if serving.gunicorn_path is None:
        service_notes.append("gunicorn is not installed next to this Python; give the path of the server's gunicorn")
    body_mib, body_why = body_limit(facts)
    name = re.sub(r"[^a-z0-9_]", "_", serving.project_name)
    socket = upstream.socket
    return {
        "project": serving.project_name,
        "name": name,
        "settings_module": serving.settings_module or f"{PLACEHOLDER}.settings",
        "notes": notes,
        "service_notes": service_notes,
        "server_names": " ".join(names),
        "apache_server_name": exact[0],
        "apache_aliases": " ".join(dict.fromkeys(apache_aliases)),
        "caddy_addresses": ", ".join(dict.fromkeys(exact)),
        "caddy_subdomains": any(name.startswith(".") for name in names),
        "listen": listen or "80",
        "apache_listen": listen or "*:80",
        "static": static,
        "static_cdn": serving.static_url if static is None else None,
        "media": media,
        "body_mib": body_mib,
        "body_bytes": body_mib * MEBIBYTE,
        "body_why": body_why,
        "nginx_upstream": f"unix:{socket}" if socket else upstream.address,
        "apache_upstream": f"unix:{socket}|http://localhost/" if socket else f"http://{upstream.address}/",
        "apache_reverse": "http://localhost/" if socket else f"http://{upstream.address}/",
        "caddy_upstream": f"unix/{socket}" if socket else upstream.address,
        "systemd_listen": socket or upstream.address,
        "upstream_is_socket": socket is not None,
        "gunicorn": quoted(gunicorn),
        "wsgi_target": wsgi_target,
        "working_directory": quoted(serving.base_dir),
    }


@functools.cache
def engine() -> Engine:
    # Standalone: the project's TEMPLATES (Jinja2 only, missing loaders, ...) must not matter.
    return Engine(dirs=[str(TEMPLATES_DIR)], autoescape=False)


def render_template(name: str, context: dict[str, Any]) -> str:
    text = engine().get_template(f"django_deploy_concepts/{name}").render(Context(context, autoescape=False))
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


FILES: dict[str, tuple[tuple[str, str], ...]] = {
    "nginx": (("nginx.conf", "/etc/nginx/sites-available/{project}"),),
    "apache": (("apache.conf", "/etc/apache2/sites-available/{project}.conf"),),
    "caddy": (("Caddyfile", "/etc/caddy/Caddyfile"),),
    "systemd": (("gunicorn.socket", "/etc/systemd/system/gunicorn.socket"), ("gunicorn.service", "/etc/systemd/system/gunicorn.service")),
}


def render(facts: Facts, kind: str, *, upstream: Upstream | None = None, listen: str | None = None) -> tuple[ConfigFile, ...]:
    """The files of one kind of configuration, tailored to the project's facts."""
    context = template_context(facts, upstream or Upstream(), listen)
    files = []
    for template, path in FILES[kind]:
        target = path.format(project=context["project"])
        files.append(ConfigFile(target, render_template(template, {**context, "path": target})))
    return tuple(files)


def emit(facts: Facts, kind: str, *, upstream: Upstream | None = None) -> str:
    """What ``explain_webserver --emit KIND`` prints: every file, each headed by where it goes."""
    return "\n".join(config.text for config in render(facts, kind, upstream=upstream))
