"""One deployment plan per run, that every step of every concern draws on.

Docs: README.rst ("explain_deploy --emit"). The plan holds one public hostname, one requirements
list, one platform file and one settings block, so no two steps can disagree on a value; each
step quotes the part it needs (``snippet``). Built from the context once (``for_context``), or
for a platform alone (``for_platform``) where a concern's guidance is asked for without a run.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.metadata
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import django
from packaging.utils import canonicalize_name

from django_deploy_concepts import formats, platforms

if TYPE_CHECKING:
    from django_deploy_concepts.context import ProjectContext

# The environment variables every step names: set where the site runs, never needed locally.
SECRET_KEY_VARIABLE = "DJANGO_SECRET_KEY"
DEBUG_VARIABLE = "DJANGO_DEBUG"
HOSTS_VARIABLE = "DJANGO_ALLOWED_HOSTS"
DATABASE_VARIABLE = "DATABASE_URL"
BUCKET_VARIABLE = "AWS_STORAGE_BUCKET_NAME"
LOCAL_HOSTS = ("localhost", "127.0.0.1")
DEVELOPMENT_KEY = "django-insecure-development-only"

WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
WHITENOISE_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
FILE_STORAGE = "django.core.files.storage.FileSystemStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"
RELEASE_COMMAND = "python manage.py migrate --noinput"
COLLECTSTATIC_COMMAND = "python manage.py collectstatic --noinput"
# What a step installs, by the module the settings name: the distribution to list.
POSTGRES_DRIVER = "psycopg[binary]"
DRIVERS = {
    "django.db.backends.postgresql": POSTGRES_DRIVER,
    "django.db.backends.mysql": "mysqlclient",
    "django.db.backends.oracle": "oracledb",
}
# Distributions never listed: Django itself is listed with its own pin; these come with Python.
NOT_LISTED = frozenset({"django"})
# Platforms whose own server loads the application: no gunicorn to install or start.
NO_WSGI_SERVER = frozenset({"pythonanywhere"})


@dataclasses.dataclass(frozen=True)
class Hostname:
    """The public hostname: a name when declared or detected, else read at run time from a variable."""

    name: str | None
    # Where it comes from, as a clause: "declared in DEPLOY_CONCEPTS", "read at run time from ...".
    source: str
    # The variable the settings read it from at run time, and how its value becomes the hostname.
    variable: str | None = None
    template: str = "{}"

    @property
    def sentence(self) -> str:
        if self.name:
            return f"The public hostname is {self.name} ({self.source})."
        return f"The public hostname is {self.source}."

    @property
    def text(self) -> str:
        """The hostname for a sentence: the name, or what the variable holds."""
        if self.name:
            return self.name
        return f"the value of {self.variable}" if self.template == "{}" else f"{self.template.format('$' + str(self.variable))}"


@dataclasses.dataclass(frozen=True)
class PlatformFile:
    name: str
    text: str
    language: str


@dataclasses.dataclass(frozen=True)
class Plan:
    platform: platforms.Platform
    project_package: str
    wsgi_path: str
    hostname: Hostname
    # "whitenoise" or "web server": who serves STATIC_ROOT in production.
    static_server: str
    # Uploads to object storage (the disk is wiped) rather than MEDIA_ROOT.
    media_in_object_storage: bool
    database_driver: str | None
    requirements: tuple[str, ...]
    # The requirements the project does not list yet (what a step asks to add).
    missing_requirements: tuple[str, ...]
    requirements_file: str
    release_command: str
    # Setting name -> its lines, in the order of the settings block.
    settings: Mapping[str, str]
    middleware: tuple[str, ...] = ()
    debug_variable: str = DEBUG_VARIABLE
    secret_key_variable: str = SECRET_KEY_VARIABLE
    fly_port: int | None = None
    # gunicorn workers; None: 2 x this machine's CPUs + 1, as the WSGI concern counts them.
    workers: int | None = None

    # The start command and the platform file need the WSGI concern's gunicorn helpers: they are
    # made when a step asks for them, so that a command about static files alone imports no other concern.
    @functools.cached_property
    def start_command(self) -> str:
        from django_deploy_concepts.concerns.wsgi.gunicorn import machine_cpus, recommended_command

        platform = self.platform
        if platform.name in NO_WSGI_SERVER:
            return f"(the Web tab's WSGI file imports {self.wsgi_path.replace(':', '.')})"
        return recommended_command(
            self.wsgi_path,
            platform_kind=platform.kind if platform.kind != "unknown" else "paas",
            port_env=platform.port_env if platform.kind != "unknown" else "PORT",
            fly_port=self.fly_port or (8000 if platform.name == "fly" else None),
            terminates_tls=platform.terminates_tls or platform.kind == "unknown",
            workers=self.workers or machine_cpus().recommended_workers,
        )

    @functools.cached_property
    def platform_file(self) -> PlatformFile:
        return platform_file(self, self.fly_port)

    @property
    def where(self) -> str:
        """The platform as a sentence names it: "Heroku", or "your platform" when none is known."""
        return self.platform.title if self.platform.name != platforms.UNKNOWN.name else "your platform"

    def snippet(self, *names: str) -> str:
        """The settings lines for ``names``, with the imports they need, exactly as in the block."""
        body = "\n".join(self.settings[name] for name in names if name in self.settings)
        imports = [line for line in ("import os", "import dj_database_url") if line.split()[-1] + "." in body]
        return "\n\n".join(part for part in ("\n".join(imports), body) if part)

    @property
    def settings_text(self) -> str:
        header = (
            "# Production settings for this project, from `python manage.py explain_deploy --emit settings`.\n"
            f"# Where the site runs, set {self.secret_key_variable}"
            + (f" and {DATABASE_VARIABLE}" if self.database_driver else "")
            + (f" and {HOSTS_VARIABLE}" if self.hostname.variable == HOSTS_VARIABLE else "")
            + "; on your own machine nothing\n# needs to be set: runserver uses the development defaults below.\n"
        )
        return header + self.snippet(*self.settings) + "\n"

    @property
    def requirements_text(self) -> str:
        return "\n".join(self.requirements) + "\n"

    @property
    def variables(self) -> tuple[tuple[str, str], ...]:
        """The environment variables to set where the site runs: name and what to put in it."""
        rows = [(self.secret_key_variable, "a new key: " + GENERATE_KEY_COMMAND)]
        if self.hostname.variable == HOSTS_VARIABLE:
            rows.append((HOSTS_VARIABLE, "the public hostname(s), comma-separated"))
        if self.database_driver:
            rows.append((DATABASE_VARIABLE, self.platform.database_offering))
        if self.media_in_object_storage:
            rows.append((BUCKET_VARIABLE, "the bucket that holds uploads (with the storage's credentials)"))
        return tuple(rows)


GENERATE_KEY_COMMAND = 'python -c "from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())"'


# Reading the project --------------------------------------------------------------------------------


def is_real_host(host: str) -> bool:
    host = host.strip().lower().lstrip(".")
    return bool(host) and host not in LOCAL_HOSTS and "*" not in host and host not in ("[::1]", "0.0.0.0") and "." in host


def find_hostname(platform: platforms.Platform, environ: Mapping[str, str], declared: list[str], allowed: Iterable[str]) -> Hostname:
    if declared:
        return Hostname(declared[0], "declared in DEPLOY_CONCEPTS")
    detected, variable = platforms.public_hostname(platform, environ)
    if detected and variable:
        # Detected here; the settings still read it where the site runs.
        template = platform.hostname_template if variable == platform.hostname_env else "{}"
        return Hostname(detected, f"detected from {variable}", variable if variable == platform.hostname_env else None, template)
    listed = [host.lstrip(".") for host in allowed if is_real_host(host)]
    if listed:
        return Hostname(listed[0], "listed in ALLOWED_HOSTS")
    if platform.hostname_env:
        return Hostname(
            None,
            f"read at run time from {platform.hostname_env}, which {platform.title} sets",
            platform.hostname_env,
            platform.hostname_template,
        )
    return Hostname(None, f"read at run time from {HOSTS_VARIABLE}, which you set", HOSTS_VARIABLE)


def top_module(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def distributions_for(modules: Iterable[str], local: set[str]) -> list[str]:
    """The distributions that provide ``modules`` (importlib.metadata), skipping the project's own and the standard library."""
    try:
        mapping = importlib.metadata.packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata: list nothing rather than guess
        return []
    found: list[str] = []
    for module in modules:
        top = top_module(module)
        if not top or top in local or top in sys.stdlib_module_names:
            continue
        for distribution in mapping.get(top, ())[:1]:
            if canonicalize_name(distribution) not in NOT_LISTED and distribution not in found:
                found.append(distribution)
    return found


def listed_requirements(text: str | None) -> list[str]:
    """The project's own requirement lines (no comments, options or includes), as pip reads them."""
    return [line for _, line in formats.pip_lines(text or "") if not line.startswith("-")]


def requirement_name(line: str) -> str:
    """The canonical name of a requirement line: ``Django[argon2]>=5.0`` -> ``django``."""
    return canonicalize_name(re.split(r"[\s<>=!~;@\[]", line, maxsplit=1)[0])


def settings_modules(setting: Any) -> list[str]:
    """Dotted paths named by the settings that decide what must be installed."""
    modules: list[str] = []
    for name in ("INSTALLED_APPS", "MIDDLEWARE"):
        value = setting(name, [])
        if isinstance(value, (list, tuple)):
            modules += [item for item in value if isinstance(item, str)]
    storages = setting("STORAGES", {})
    if isinstance(storages, Mapping):
        modules += [entry["BACKEND"] for entry in storages.values() if isinstance(entry, Mapping) and isinstance(entry.get("BACKEND"), str)]
    databases = setting("DATABASES", {})
    if isinstance(databases, Mapping):
        modules += [entry["ENGINE"] for entry in databases.values() if isinstance(entry, Mapping) and isinstance(entry.get("ENGINE"), str)]
    templates = setting("TEMPLATES", [])
    if isinstance(templates, (list, tuple)):
        modules += [entry["BACKEND"] for entry in templates if isinstance(entry, Mapping) and isinstance(entry.get("BACKEND"), str)]
    return modules


def settings_statements(sources: Mapping[str, str]) -> Iterator[ast.stmt]:
    """The top-level statements of each settings module that parses."""
    for text in sources.values():
        try:
            yield from ast.parse(text).body
        except (SyntaxError, ValueError):
            continue


def imported_modules(sources: Mapping[str, str]) -> list[str]:
    modules: list[str] = []
    for node in settings_statements(sources):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return modules


def fly_internal_port(text: str | None) -> int | None:
    if not text:
        return None
    try:
        data = formats.read_toml(text)
    except formats.FormatError:
        return None
    port = data.get("http_service", {}).get("internal_port") if isinstance(data.get("http_service"), dict) else None
    return port if isinstance(port, int) else None


# Building ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What the plan is built from: read from a run's context, or defaults for a platform alone."""

    platform: platforms.Platform
    project_package: str = "mysite"
    wsgi_application: str | None = None
    environ: Mapping[str, str] = dataclasses.field(default_factory=dict)
    declared_hosts: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    middleware: tuple[str, ...] = ()
    engine: str | None = None
    has_file_fields: bool = False
    static_server: str | None = None
    requirements_file: str = "requirements.txt"
    requirements_text: str | None = None
    modules: tuple[str, ...] = ()
    local_modules: frozenset[str] = frozenset()
    fly_port: int | None = None
    workers: int | None = None
    # The variables the project's settings already read DEBUG and SECRET_KEY from, kept.
    debug_variable: str = DEBUG_VARIABLE
    secret_key_variable: str = SECRET_KEY_VARIABLE


def build(inputs: Inputs) -> Plan:
    platform = inputs.platform
    hostname = find_hostname(platform, inputs.environ, list(inputs.declared_hosts), inputs.allowed_hosts)
    static_server = inputs.static_server or ("web server" if platform.kind == "server" else "whitenoise")
    media_remote = inputs.has_file_fields and platform.ephemeral_disk
    engine = inputs.engine or "django.db.backends.postgresql"
    driver = DRIVERS.get(engine, POSTGRES_DRIVER) if engine != "django.db.backends.sqlite3" or platform.ephemeral_disk else None
    wsgi_path = expected_wsgi_path(inputs.wsgi_application, inputs.project_package)

    needed: list[str] = [f"Django~={django.VERSION[0]}.{django.VERSION[1]}.0"]
    if platform.name not in NO_WSGI_SERVER:
        needed.append("gunicorn")
    if static_server == "whitenoise":
        needed.append("whitenoise")
    needed.append("dj-database-url")
    if driver:
        needed.append(driver)
    if media_remote:
        needed.append("django-storages[s3]")
    needed += distributions_for(inputs.modules, set(inputs.local_modules))
    listed = listed_requirements(inputs.requirements_text)
    listed_names = {requirement_name(line) for line in listed}
    missing = [item for item in dict.fromkeys(needed) if requirement_name(item) not in listed_names]
    requirements = tuple(dict.fromkeys([*listed, *missing]))

    settings = settings_lines(platform, hostname, static_server, media_remote, driver, inputs.middleware)
    settings["SECRET_KEY"] = settings["SECRET_KEY"].replace(f'"{SECRET_KEY_VARIABLE}"', f'"{inputs.secret_key_variable}"')
    settings["DEBUG"] = (
        settings["DEBUG"]
        .replace(f'"{DEBUG_VARIABLE}"', f'"{inputs.debug_variable}"')
        .replace(f'"{SECRET_KEY_VARIABLE}"', f'"{inputs.secret_key_variable}"')
    )
    return Plan(
        platform=platform,
        project_package=inputs.project_package,
        wsgi_path=wsgi_path,
        hostname=hostname,
        static_server=static_server,
        media_in_object_storage=media_remote,
        database_driver=driver,
        requirements=requirements,
        missing_requirements=tuple(missing),
        requirements_file=inputs.requirements_file,
        release_command=RELEASE_COMMAND,
        settings=settings,
        middleware=inputs.middleware,
        debug_variable=inputs.debug_variable,
        secret_key_variable=inputs.secret_key_variable,
        fly_port=inputs.fly_port,
        workers=inputs.workers,
    )


def expected_wsgi_path(wsgi_application: str | None, package: str) -> str:
    if wsgi_application and "." in wsgi_application:
        module, _, name = wsgi_application.rpartition(".")
        return f"{module}:{name}"
    return f"{package}.wsgi:application"


def hosts_lines(platform: platforms.Platform, hostname: Hostname) -> str:
    hosts = [*LOCAL_HOSTS, *([hostname.name] if hostname.name and hostname.variable is None else [])]
    lines = [f"ALLOWED_HOSTS = {json.dumps(hosts)}"]
    # The platform's own hostname, where it gives one, whatever else is declared or listed.
    variable = hostname.variable if hostname.variable and hostname.variable != HOSTS_VARIABLE else platform.hostname_env
    if variable:
        template = hostname.template if variable == hostname.variable else platform.hostname_template
        value = f'os.environ["{variable}"]'
        if template != "{}":
            value = 'f"' + template.replace("{}", "{" + value.replace('"', "'") + "}") + '"'
        lines += [f'if "{variable}" in os.environ:  # set by {platform.title}', f"    ALLOWED_HOSTS.append({value})"]
    lines.append(f'ALLOWED_HOSTS += [host for host in os.environ.get("{HOSTS_VARIABLE}", "").split(",") if host]')
    lines.append(f'CSRF_TRUSTED_ORIGINS = [f"https://{{host}}" for host in ALLOWED_HOSTS if host not in {json.dumps(list(LOCAL_HOSTS))}]')
    return "\n".join(lines)


def middleware_lines(middleware: tuple[str, ...], static_server: str) -> str:
    items = list(middleware) or [SECURITY_MIDDLEWARE]
    if static_server == "whitenoise" and WHITENOISE_MIDDLEWARE not in items:
        at = items.index(SECURITY_MIDDLEWARE) + 1 if SECURITY_MIDDLEWARE in items else 0
        items.insert(at, WHITENOISE_MIDDLEWARE)
    return "MIDDLEWARE = [\n" + "".join(f'    "{item}",\n' for item in items) + "]"


def settings_lines(
    platform: platforms.Platform,
    hostname: Hostname,
    static_server: str,
    media_remote: bool,
    driver: str | None,
    middleware: tuple[str, ...],
) -> dict[str, str]:
    lines: dict[str, str] = {
        "SECRET_KEY": f'SECRET_KEY = os.environ.get("{SECRET_KEY_VARIABLE}", "{DEVELOPMENT_KEY}")',
        "DEBUG": f'DEBUG = os.environ.get("{DEBUG_VARIABLE}", "" if "{SECRET_KEY_VARIABLE}" in os.environ else "1") == "1"',
        "ALLOWED_HOSTS": hosts_lines(platform, hostname),
        "MIDDLEWARE": middleware_lines(middleware, static_server),
    }
    if driver or platform.ephemeral_disk:
        lines["DATABASES"] = (
            "DATABASES = {\n"
            '    "default": dj_database_url.config(\n'
            "        default=f\"sqlite:///{BASE_DIR / 'db.sqlite3'}\",\n"
            "        conn_max_age=600,\n"
            "        conn_health_checks=True,\n"
            "    )\n"
            "}"
        )
    static_backend = WHITENOISE_STORAGE if static_server == "whitenoise" else MANIFEST_STORAGE
    default_backend = (
        f'S3_STORAGE if "{BUCKET_VARIABLE}" in os.environ else "{FILE_STORAGE}"'.replace("S3_STORAGE", f'"{S3_STORAGE}"')
        if media_remote
        else f'"{FILE_STORAGE}"'
    )
    lines["STATIC_ROOT"] = 'STATIC_ROOT = BASE_DIR / "staticfiles"'
    lines["STORAGES"] = (
        f'STORAGES = {{\n    "default": {{"BACKEND": {default_backend}}},\n    "staticfiles": {{"BACKEND": "{static_backend}"}},\n}}'
    )
    if platform.terminates_tls or platform.kind == "server":
        lines["SECURE_PROXY_SSL_HEADER"] = 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'
    lines["HTTPS"] = (
        "SECURE_SSL_REDIRECT = not DEBUG\n"
        "SESSION_COOKIE_SECURE = not DEBUG\n"
        "CSRF_COOKIE_SECURE = not DEBUG\n"
        "SECURE_HSTS_SECONDS = 0 if DEBUG else 3600  # raise to 31536000 once every page works over https"
    )
    lines["LOGGING"] = (
        "LOGGING = {\n"
        '    "version": 1,\n'
        '    "disable_existing_loggers": False,\n'
        '    "handlers": {"console": {"class": "logging.StreamHandler"}},\n'
        '    "loggers": {"django": {"handlers": ["console"], "level": "INFO"}},\n'
        "}"
    )
    return lines


def platform_file(plan: Plan, fly_port: int | None) -> PlatformFile:
    platform, start, release = plan.platform, plan.start_command, plan.release_command
    collect = COLLECTSTATIC_COMMAND
    if platform.name == "render":
        text = (
            "services:\n"
            "  - type: web\n"
            f"    name: {plan.project_package}\n"
            "    runtime: python\n"
            f"    buildCommand: pip install -r {plan.requirements_file} && {collect}\n"
            f"    preDeployCommand: {release}\n"
            f"    startCommand: {start}\n"
            "    envVars:\n"
            f"      - key: {plan.secret_key_variable}\n"
            "        generateValue: true\n"
            f"      - key: {DATABASE_VARIABLE}\n"
            "        fromDatabase:\n"
            f"          name: {plan.project_package}-db\n"
            "          property: connectionString\n"
            "databases:\n"
            f"  - name: {plan.project_package}-db\n"
        )
        return PlatformFile("render.yaml", text, "yaml")
    if platform.name == "fly":
        port = fly_port or 8000
        text = (
            f'app = "{plan.project_package}"\n\n'
            "[build]\n"
            '  dockerfile = "Dockerfile"  # python manage.py explain_deploy --emit dockerfile writes it\n\n'
            "[deploy]\n"
            f'  release_command = "{release}"\n\n'
            "[http_service]\n"
            f"  internal_port = {port}\n"
            "  force_https = true\n"
        )
        return PlatformFile("fly.toml", text, "toml")
    if platform.name in ("container", "cloudrun"):
        return PlatformFile("Dockerfile", dockerfile(plan), "dockerfile")
    if platform.name == "railway":
        data = {"deploy": {"preDeployCommand": [release], "startCommand": start}, "build": {"buildCommand": collect}}
        return PlatformFile("railway.json", json.dumps(data, indent=2) + "\n", "json")
    if platform.name == "appengine":
        text = f"runtime: python312\nentrypoint: {start}\n\nhandlers:\n  - url: /static\n    static_dir: staticfiles\n  - url: /.*\n    script: auto\n"
        return PlatformFile("app.yaml", text, "yaml")
    if platform.name == "upsun":
        text = (
            "applications:\n"
            f"  {plan.project_package}:\n"
            '    type: "python:3.12"\n'
            "    hooks:\n"
            f"      build: |\n        pip install -r {plan.requirements_file}\n        {collect}\n"
            f"      deploy: {release}\n"
            "    web:\n"
            "      commands:\n"
            f"        start: {json.dumps(start)}\n"
        )
        return PlatformFile(".upsun/config.yaml", text, "yaml")
    if platform.name == "vps":
        text = (
            "[Unit]\n"
            f"Description=gunicorn for {plan.project_package}\n"
            "After=network.target\n\n"
            "[Service]\n"
            f"WorkingDirectory=/srv/{plan.project_package}\n"
            f"EnvironmentFile=/etc/{plan.project_package}.env\n"
            f"ExecStart=/srv/{plan.project_package}/.venv/bin/{start}\n"
            "Restart=on-failure\n\n"
            "[Install]\n"
            "WantedBy=multi-user.target\n"
        )
        return PlatformFile("gunicorn.service", text, "ini")
    if platform.name == "pythonanywhere":
        module = plan.wsgi_path.split(":", 1)[0]
        text = (
            "import os\nimport sys\n\n"
            f'sys.path.insert(0, "/home/USERNAME/{plan.project_package}")\n'
            f'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{plan.project_package}.settings")\n\n'
            "from django.core.wsgi import get_wsgi_application\n\n"
            f"application = get_wsgi_application()  # the same as {module}\n"
        )
        return PlatformFile("pythonanywhere_wsgi.py", text, "python")
    if platform.name == "azure":
        return PlatformFile("startup.sh", f"{release}\n{start}\n", "shell")
    return PlatformFile("Procfile", f"release: {release}\nweb: {start}\n", "text")


def dockerfile(plan: Plan) -> str:
    start = plan.start_command
    cmd = f'CMD ["sh", "-c", "exec {start}"]' if "$" in start else "CMD " + json.dumps(start.split())
    return (
        "FROM python:3.12-slim\n"
        "ENV PYTHONUNBUFFERED=1\n"
        "WORKDIR /app\n"
        f"COPY {plan.requirements_file} .\n"
        f"RUN python -m pip install --no-cache-dir -r {plan.requirements_file}\n"
        "COPY . .\n"
        f"RUN {plan.secret_key_variable}=build-only {COLLECTSTATIC_COMMAND}\n"
        + ("ENV PORT=8000\n" if "$PORT" in start else "")
        + "EXPOSE 8000\n"
        + cmd
        + "\n"
    )


# From a run ---------------------------------------------------------------------------------------


def for_context(context: ProjectContext) -> Plan:
    """The run's plan, built once and shared by every concern (the platform's alone if reading the project fails)."""
    return context.memo("plan", lambda: built_or_default(context))  # type: ignore[no-any-return]


def built_or_default(context: ProjectContext) -> Plan:
    try:
        return build(inputs_from(context))
    except Exception:  # noqa: BLE001 - the steps still need a plan; the concerns report what could not be read
        return for_platform(context.platform.platform)


def inputs_from(context: ProjectContext) -> Inputs:
    from django.apps import apps

    setting = context.setting
    databases = setting("DATABASES", {})
    default = databases.get("default") if isinstance(databases, Mapping) else None
    engine = default.get("ENGINE") if isinstance(default, Mapping) and isinstance(default.get("ENGINE"), str) else None
    if context.environ.get(DATABASE_VARIABLE, "").startswith(("postgres", "postgresql")):
        engine = "django.db.backends.postgresql"
    allowed = setting("ALLOWED_HOSTS", [])
    middleware = setting("MIDDLEWARE", [])
    package = context.settings_module.split(".", 1)[0] if context.settings_module else "mysite"
    project_modules = (
        {package, *(path.name for path in context.base_dir.iterdir() if path.is_dir() or path.suffix == ".py")}
        if context.base_dir.is_dir()
        else {package}
    )
    local = frozenset(name.removesuffix(".py") for name in project_modules)
    try:
        has_file_fields = any(
            field.get_internal_type() in ("FileField", "ImageField")
            for model in apps.get_models()
            for field in model._meta.get_fields()
            if hasattr(field, "get_internal_type")
        )
    except Exception:  # noqa: BLE001 - an app that cannot list its models: no uploads known
        has_file_fields = False
    requirements = context.files.get("requirements.txt")
    fly = context.files.get("fly.toml")
    target = context.target
    static_server = {"whitenoise": "whitenoise", "web-server": "web server"}.get(target.static_served_by or "")
    if static_server is None and isinstance(middleware, (list, tuple)) and WHITENOISE_MIDDLEWARE in middleware:
        static_server = "whitenoise"
    debug_variable, secret_key_variable = project_variables(context)
    return Inputs(
        platform=context.platform_info,
        debug_variable=debug_variable,
        secret_key_variable=secret_key_variable,
        project_package=package,
        wsgi_application=setting("WSGI_APPLICATION") if isinstance(setting("WSGI_APPLICATION"), str) else None,
        environ=context.environ,
        declared_hosts=tuple(host for host in target.hosts if platforms.bare_hostname(host)),
        allowed_hosts=tuple(str(host) for host in allowed) if isinstance(allowed, (list, tuple)) else (),
        middleware=tuple(str(item) for item in middleware) if isinstance(middleware, (list, tuple)) else (),
        engine=engine,
        has_file_fields=has_file_fields,
        static_server=static_server,
        requirements_text=requirements.text if requirements is not None else None,
        modules=tuple([*settings_modules(setting), *imported_modules(context.settings_sources())]),
        local_modules=local,
        fly_port=fly_internal_port(fly.text if fly is not None else None),
    )


def environ_variable(node: ast.AST) -> str | None:
    """The variable an expression reads: os.environ["X"], os.environ.get("X"), os.getenv("X"), env("X")."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        name = ast.unparse(node.func)
        if name in ("os.environ.get", "os.getenv", "environ.get", "getenv") or name.startswith("env"):
            return node.args[0].value
    return None


def project_variables(context: ProjectContext) -> tuple[str, str]:
    """The environment variables the settings already read DEBUG and SECRET_KEY from (else ours)."""
    found = {"DEBUG": DEBUG_VARIABLE, "SECRET_KEY": SECRET_KEY_VARIABLE}
    for node in settings_statements(context.settings_sources()):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        if node.targets[0].id in found:
            variable = next((name for inner in ast.walk(node.value) if (name := environ_variable(inner))), None)
            if variable:
                found[node.targets[0].id] = variable
    return found["DEBUG"], found["SECRET_KEY"]


def for_platform(name: str, **known: Any) -> Plan:
    """A plan for a platform alone, with the defaults of a fresh project and what a concern's facts know
    (guidance asked for outside a run)."""
    return build(Inputs(platforms.PLATFORMS_BY_NAME.get(name, platforms.UNKNOWN), **known))
