"""The servers of the rehearsal: gunicorn as the start command runs it (bound to a free loopback
port), and optionally nginx in front with the configuration ``explain_webserver --emit`` writes."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django_deploy_concepts.concerns.webserver import configs
from django_deploy_concepts.concerns.webserver.media import url_path
from django_deploy_concepts.concerns.wsgi import commands
from django_deploy_concepts.concerns.wsgi.gunicorn import expand, expected_path
from django_deploy_concepts.concerns.wsgi.start_commands import StartCommand, project_start_commands
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.rehearsal.build import Workspace, forces_settings

MAX_WORKERS = 2
# Where an untrusted front (a router on another host) appears to come from: TEST-NET-1, never routed.
OTHER_HOST_PROXY = "192.0.2.1"
# gunicorn options the rehearsal sets itself (where it listens, its logs, its pid) or must not pass.
DROPPED_VALUED = frozenset(
    {
        "-b",
        "--bind",
        "-p",
        "--pid",
        "-w",
        "--workers",
        "--access-logfile",
        "--error-logfile",
        "--log-file",
        "--control-socket",
        "-u",
        "--user",
        "-g",
        "--group",
        "--reload-engine",
        "--reload-extra-file",
        "--statsd-host",
    }
)
DROPPED_FLAGS = frozenset({"-D", "--daemon", "--reload", "--check-config", "--print-config", "--spew"})


class NotRehearsable(Exception):
    """The server cannot be started safely (it would not use the rehearsal's settings)."""


@dataclasses.dataclass(frozen=True)
class ServerPlan:
    argv: tuple[str, ...]
    cwd: Path
    environ: Mapping[str, str]
    # The command as the report shows it.
    shown: str
    notes: tuple[str, ...]


@functools.cache
def gunicorn_arity() -> tuple[frozenset[str], frozenset[str]]:
    """gunicorn's (flags without a value, flags with an optional value), from its settings table."""
    from gunicorn.config import KNOWN_SETTINGS  # type: ignore[import-untyped]

    flags: set[str] = {"-v", "--version", "-h", "--help"}
    optional: set[str] = set()
    for setting in KNOWN_SETTINGS:
        cli = getattr(setting, "cli", None) or []
        if getattr(setting, "action", None) in ("store_true", "store_false", "store_const", "count"):
            flags.update(cli)
        elif getattr(setting, "nargs", None) == "?":
            optional.update(cli)
    return frozenset(flags), frozenset(optional)


def split_gunicorn_words(words: list[str]) -> tuple[list[str], list[str], str | None]:
    """(options kept, positional words, the worker count written) from gunicorn's arguments."""
    flags, optional = gunicorn_arity()
    kept: list[str] = []
    positional: list[str] = []
    workers: str | None = None
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        name, has_value, value = word.partition("=")
        if not word.startswith("--") and len(word) > 2:
            name, has_value, value = word[:2], "=", word[2:]
        consumed = [word]
        if name not in flags and name not in optional and not has_value and index < len(words):
            value = words[index]
            consumed.append(value)
            index += 1
        if name in ("-w", "--workers"):
            workers = value
        elif name not in DROPPED_VALUED and name not in DROPPED_FLAGS:
            kept.extend(consumed)
    return kept, positional, workers


def web_command(context: ProjectContext) -> StartCommand | None:
    found = project_start_commands(context).commands
    web = [command for command in found if command.is_web]
    return next((command for command in web if command.server is not None), web[0] if web else None)


def control_socket_option() -> list[str]:
    """gunicorn 24+ opens a control socket in the home directory unless told not to."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return []
    return ["--no-control-socket"] if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS) else []


def plan_gunicorn(context: ProjectContext, workspace: Workspace, port: int, *, other_host: bool) -> ServerPlan | str:
    """How the rehearsal starts gunicorn, or why it cannot (NotRehearsable when it must not)."""
    notes: list[str] = []
    environ = dict(workspace.environ)
    port_env = context.platform_info.port_env or "PORT"
    environ[port_env] = str(port)
    command = web_command(context)
    if command is not None and command.server == "gunicorn" and command.application_path:
        words = [expand(word, environ) for word in command.arguments]
        kept, positional, workers_text = split_gunicorn_words(words)
        cwd = Path(command.working_dir) if command.working_dir and Path(command.working_dir).is_dir() else context.base_dir
        if command.working_dir is None:
            notes.append(f"The directory {command.file} runs gunicorn in is not known here; the project directory is used.")
        source = f"{command.file} line {command.line}"
    else:
        path = expected_path(context.setting("WSGI_APPLICATION"))
        if path is None:
            return "WSGI_APPLICATION is not set, and no start command names a gunicorn application"
        kept, positional, workers_text = [], [path], None
        cwd = context.base_dir
        if command is None:
            notes.append(f"No start command was found; the rehearsal runs gunicorn {path} (WSGI_APPLICATION).")
        else:
            server = command.server or "an unknown program"
            notes.append(
                f"{command.file} line {command.line} starts {server}, not gunicorn; the rehearsal runs gunicorn {path} (WSGI_APPLICATION)."
            )
        source = "WSGI_APPLICATION"
    application = next((word for word in positional if not word.startswith("-")), "")
    module_file = cwd.joinpath(*commands.module_of(application).split(".")).with_suffix(".py") if application else None
    if module_file is not None and forces_settings(module_file):
        raise NotRehearsable(
            f"{module_file.name} sets DJANGO_SETTINGS_MODULE itself (os.environ[...] = ...), so the rehearsal's settings "
            "(its copies, read-only databases) cannot be layered on top; os.environ.setdefault(...) would let them"
        )
    workers = int(workers_text) if workers_text and workers_text.isdigit() else None
    if workers is None and (environ.get("WEB_CONCURRENCY") or "").isdigit():
        workers = int(environ["WEB_CONCURRENCY"])
    rehearsed_workers = min(workers or 1, MAX_WORKERS)
    if workers and workers > MAX_WORKERS:
        notes.append(f"gunicorn runs {MAX_WORKERS} workers here instead of {workers}.")
    if other_host and "FORWARDED_ALLOW_IPS" not in environ:
        # The router's address is not gunicorn's default 127.0.0.1: set as gunicorn's own default, so
        # that a --forwarded-allow-ips of the command or its configuration file still wins.
        environ["FORWARDED_ALLOW_IPS"] = OTHER_HOST_PROXY
    ours = [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(rehearsed_workers),
        "--pid",
        str(workspace.root / "gunicorn.pid"),
        "--error-logfile",
        "-",
        *control_socket_option(),
    ]
    argv = (sys.executable, "-m", "gunicorn", *kept, *ours, *positional)
    shown = " ".join(["gunicorn", *kept, "--bind", f"127.0.0.1:{port}", "--workers", str(rehearsed_workers), *positional])
    return ServerPlan(argv, cwd, environ, f"{shown} (from {source})", tuple(notes))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(process: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once something listens on the port; False when the process exits or time runs out."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_exit(process: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return True
        time.sleep(0.05)
    return process.poll() is not None


# nginx --------------------------------------------------------------------------------------------


def nginx_executable() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def location_alias(text: str, path: str, directory: Path) -> str:
    """The site file with the ``alias`` of ``location <path>`` pointed at ``directory``."""
    pattern = re.compile(rf"(location {re.escape(path)} \{{\s*alias )[^;]+;")
    return pattern.sub(lambda match: f"{match[1]}{configs.quoted(str(directory).rstrip('/') + '/')};", text)


def nginx_site(
    context: ProjectContext, workspace: Workspace, upstream_port: int, listen_port: int, certificate: tuple[Path, Path] | None
) -> tuple[str, list[str]]:
    """The site ``explain_webserver --emit nginx`` writes, adapted to the rehearsal's ports and
    copies, with HTTPS on its port where a (throwaway) ``certificate`` and key are given."""
    facts = context.facts_for("webserver")
    upstream = configs.Upstream(socket=None, address=f"127.0.0.1:{upstream_port}")
    listen = f"127.0.0.1:{listen_port}"
    (site,) = configs.render(facts, "nginx", upstream=upstream, listen=listen)
    text = site.text
    notes = ["nginx runs the configuration explain_webserver --emit nginx writes, on loopback ports, with the rehearsal's copies."]
    static_path = url_path(context.setting("STATIC_URL"))
    if static_path and workspace.static_root is not None:
        text = location_alias(text, static_path, workspace.static_root)
    media_path = url_path(context.setting("MEDIA_URL"))
    if media_path and workspace.media_root is not None:
        text = location_alias(text, media_path, workspace.media_root)
    if certificate is not None and f"listen {listen};" in text:
        # As certbot --nginx adds it: nginx ends TLS and says so in X-Forwarded-Proto ($scheme).
        cert, key = (configs.quoted(str(path)) for path in certificate)
        text = text.replace(f"listen {listen};", f"listen {listen} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};", 1)
        notes.append("nginx ends TLS with a throwaway self-signed certificate, as certbot would set it up with a real one.")
    elif "X-Forwarded-Proto $scheme" in text:
        # TLS is not rehearsed: nginx says https, as it does once certbot added HTTPS.
        text = text.replace("X-Forwarded-Proto $scheme", "X-Forwarded-Proto https")
        notes.append("TLS is not rehearsed (openssl is missing): nginx passes X-Forwarded-Proto https, as it does once HTTPS is set up.")
    return text, notes


def openssl_executable() -> str | None:
    return shutil.which("openssl")


def certificate_command(openssl: str, host: str, directory: Path) -> tuple[list[str], tuple[Path, Path]]:
    """The openssl command that makes a one-day self-signed certificate for ``host``, and its files."""
    cert, key = directory / "certificate.pem", directory / "key.pem"
    argv = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        f"/CN={host}",
        "-keyout",
        str(key),
        "-out",
        str(cert),
    ]
    return argv, (cert, key)


def nginx_main(workspace: Workspace, site: Path) -> Path:
    directory = workspace.root / "nginx"
    directory.mkdir(exist_ok=True)
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    # As root, nginx's workers would run as nobody and could not read the private temporary folder.
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    main = directory / "nginx.conf"
    main.write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {workspace.log("nginx-error")} warn;
events {{ worker_connections 64; }}
http {{
    {mime}
    access_log {workspace.log("nginx-access")};
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
""",
        encoding="utf-8",
    )
    return main


def body_limit_mib(site: str) -> int | None:
    match = re.search(r"client_max_body_size\s+(\d+)m;", site)
    return int(match[1]) if match else None


# Apache and Caddy -----------------------------------------------------------------------------------

# What the emitted Apache site needs (mod_proxy as a reverse proxy, not mod_wsgi), plus TLS.
APACHE_MODULES = ("mpm_event", "authz_core", "alias", "headers", "filter", "deflate", "proxy", "proxy_http", "mime", "ssl")
APACHE_MODULE_DIRS = ("/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules", "/usr/libexec/apache2")


def apache_executable() -> str | None:
    for name in ("apache2", "httpd"):
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def apache_module_dir() -> Path | None:
    return next((Path(path) for path in APACHE_MODULE_DIRS if (Path(path) / "mod_proxy_http.so").is_file()), None)


def caddy_executable() -> str | None:
    return shutil.which("caddy") or shutil.which("caddy", path="/usr/bin:/usr/local/bin")


def rehearsal_facts(context: ProjectContext, workspace: Workspace) -> Any:
    """The web server facts with STATIC_ROOT and MEDIA_ROOT moved to the rehearsal's copies."""
    facts = context.facts_for("webserver")
    serving = dataclasses.replace(facts.serving, static_root=str(workspace.static_root) if workspace.static_root else None)
    media = dataclasses.replace(facts.media, media_root=str(workspace.media_root) if workspace.media_root else facts.media.media_root)
    return dataclasses.replace(facts, serving=serving, media=media)


def apache_site(
    context: ProjectContext, workspace: Workspace, upstream_port: int, listen_port: int, certificate: tuple[Path, Path] | None
) -> tuple[str, list[str]]:
    """The site ``explain_webserver --emit apache`` writes, on a loopback port with the rehearsal's
    copies, with TLS on it (as ``certbot --apache`` adds it) where a throwaway certificate is given."""
    upstream = configs.Upstream(socket=None, address=f"127.0.0.1:{upstream_port}")
    listen = f"127.0.0.1:{listen_port}"
    (site,) = configs.render(rehearsal_facts(context, workspace), "apache", upstream=upstream, listen=listen)
    text = site.text
    notes = ["Apache runs the configuration explain_webserver --emit apache writes, on loopback ports, with the rehearsal's copies."]
    opening = f"<VirtualHost {listen}>"
    if certificate is not None and opening in text:
        cert, key = (configs.quoted(str(path)) for path in certificate)
        text = text.replace(opening, f"{opening}\n    SSLEngine on\n    SSLCertificateFile {cert}\n    SSLCertificateKeyFile {key}", 1)
        notes.append("Apache ends TLS with a throwaway self-signed certificate, as certbot would set it up with a real one.")
    elif "X-Forwarded-Proto expr=%{REQUEST_SCHEME}" in text:
        text = text.replace("X-Forwarded-Proto expr=%{REQUEST_SCHEME}", "X-Forwarded-Proto https")
        notes.append("TLS is not rehearsed (openssl is missing): Apache passes X-Forwarded-Proto https, as it does once HTTPS is set up.")
    return text, notes


def apache_main(workspace: Workspace, site: Path, port: int, module_dir: Path) -> Path:
    directory = workspace.root / "apache"
    directory.mkdir(exist_ok=True)
    modules = "\n".join(f"LoadModule {name}_module {module_dir}/mod_{name}.so" for name in APACHE_MODULES)
    mime = "TypesConfig /etc/mime.types" if Path("/etc/mime.types").exists() else ""
    main = directory / "httpd.conf"
    main.write_text(
        f"ServerRoot {directory}\nServerName localhost\nDefaultRuntimeDir {directory}\nPidFile {directory}/httpd.pid\n"
        f"ErrorLog {workspace.log('apache-error')}\nLogLevel warn\nListen 127.0.0.1:{port}\n{modules}\n{mime}\nInclude {site}\n",
        encoding="utf-8",
    )
    return main


def open_to_workers(workspace: Workspace) -> bool:
    """As root, Apache's workers run as another user: let them reach the static and media copies
    (the temporary directory traversable, those two trees readable), everything else private.
    False when nothing needed changing (not root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    public = {path for path in (workspace.static_root, workspace.media_root) if path is not None}
    for entry in workspace.root.iterdir():
        if entry not in public and not entry.is_symlink():
            entry.chmod(0o700 if entry.is_dir() else 0o600)
    workspace.root.chmod(0o711)
    for tree in public:
        for directory, _, names in os.walk(tree):
            Path(directory).chmod(0o755)
            for name in names:
                path = Path(directory) / name
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o444)
    return True


def caddy_file(
    context: ProjectContext, workspace: Workspace, upstream_port: int, https_port: int, http_port: int, host: str
) -> tuple[str, list[str]]:
    """The Caddyfile ``explain_webserver --emit caddy`` writes, its site block unchanged but for the
    copies' paths, under global options that keep Caddy on loopback ports, with certificates from
    its own local authority (no ACME, nothing leaves the machine), no admin endpoint, state in the
    temporary directory."""
    upstream = configs.Upstream(socket=None, address=f"127.0.0.1:{upstream_port}")
    (site,) = configs.render(rehearsal_facts(context, workspace), "caddy", upstream=upstream)
    state = workspace.root / "caddy"
    options = (
        "{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n"
        f"\thttp_port {http_port}\n\thttps_port {https_port}\n\tdefault_sni {host}\n"
        f"\tstorage file_system {configs.quoted(str(state / 'data'))}\n}}\n\n"
    )
    notes = [
        "Caddy runs the Caddyfile explain_webserver --emit caddy writes, on loopback ports, with the rehearsal's copies; "
        "its certificate comes from Caddy's own local authority (local_certs), not from Let's Encrypt."
    ]
    return options + site.text, notes


def caddy_environ(workspace: Workspace) -> dict[str, str]:
    state = workspace.root / "caddy"
    state.mkdir(exist_ok=True)
    return {**workspace.environ, "HOME": str(state), "XDG_DATA_HOME": str(state), "XDG_CONFIG_HOME": str(state)}


def wait_tls(process: subprocess.Popen[bytes], port: int, deadline: float) -> bool:
    """True once a TLS handshake on the port succeeds (Caddy issues its certificate after it listens)."""
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock, context.wrap_socket(sock):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def error_lines(text: str) -> list[str]:
    """The lines of a web server's log that report an error: nginx's [error], Apache's [proxy:error],
    Caddy's JSON "level":"error"."""
    markers = ("[error]", "[crit]", "[emerg]", ":error]", ":crit]", ":emerg]", '"level":"error"', '"level":"fatal"')
    return [line.strip() for line in text.splitlines() if any(marker in line for marker in markers)]


def body_limit_text(site: str) -> str | None:
    """The request body limit a generated site sets, as it writes it."""
    for pattern, unit in (
        (r"client_max_body_size\s+(\d+)m;", "m"),
        (r"LimitRequestBody\s+(\d+)", " bytes"),
        (r"max_size\s+(\d+)MiB", "MiB"),
    ):
        match = re.search(pattern, site)
        if match:
            return f"{match[1]}{unit}"
    return None
