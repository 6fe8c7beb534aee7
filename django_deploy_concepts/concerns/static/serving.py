"""Who sends the files once DEBUG is False: WhiteNoise, a web server, or nobody; and URL patterns that try.

WhiteNoise: https://whitenoise.readthedocs.io/en/stable/django.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts import formats
from django_deploy_concepts.concerns.static.common import is_within, real
from django_deploy_concepts.concerns.static.facts import Facts, ServePattern, ServingFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import error_text
from django_deploy_concepts.plan import Plan, for_platform
from django_deploy_concepts.report import Fact, Step

WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
RUNSERVER_NOSTATIC = "whitenoise.runserver_nostatic"
STATICFILES_APP = "django.contrib.staticfiles"
# Settings that make WhiteNoise look files up in the source folders: meant for development only.
WHITENOISE_DEVELOPMENT_SETTINGS = ("WHITENOISE_AUTOREFRESH", "WHITENOISE_USE_FINDERS")
# Files that declare what a deployment installs, as context.files names them. A requirements.txt,
# when there is one, is what platforms install from; the others count only without it.
# WhiteNoise's own figure for files whose names carry a hash (whitenoise.base.WhiteNoise.FOREVER).
FOREVER = 10 * 365 * 24 * 60 * 60
# The views Django offers to serve files in development; neither belongs in production.
SERVE_VIEWS = {
    "django.views.static.serve": "media",
    "django.contrib.staticfiles.views.serve": "static",
}
MAX_URLCONF_DEPTH = 20


# Facts --------------------------------------------------------------------------------------------


def app_index(names: list[str], wanted: str) -> int | None:
    return names.index(wanted) if wanted in names else None


def cache_control(context: ProjectContext, manifest: bool) -> tuple[str | None, str]:
    if context.has_setting("WHITENOISE_IMMUTABLE_FILE_TEST"):
        hashed: str | None = "chosen by WHITENOISE_IMMUTABLE_FILE_TEST"
    else:
        hashed = f"max-age={FOREVER}, public, immutable" if manifest else None
    # WhiteNoise's default with DEBUG = False, as in production.
    max_age = context.setting("WHITENOISE_MAX_AGE", 60)
    other = "no Cache-Control header" if max_age is None else f"max-age={max_age}, public"
    return hashed, other


def qualified_name(view: Callable[..., Any]) -> str:
    # Decorators such as login_required keep the view reachable through __wrapped__.
    for _ in range(10):
        wrapped = getattr(view, "__wrapped__", None)
        if wrapped is None:
            break
        view = wrapped
    return f"{getattr(view, '__module__', '')}.{getattr(view, '__qualname__', type(view).__name__)}"


def serve_patterns(context: ProjectContext, errors: list[str]) -> tuple[ServePattern, ...]:
    """The URL patterns of the live URLconf whose view is one of Django's development file servers."""
    from django.urls import URLPattern, URLResolver, get_resolver

    urlconf = context.setting("ROOT_URLCONF")
    if not urlconf:
        return ()
    try:
        patterns = get_resolver().url_patterns
    except BaseException as exc:  # a broken URLconf, even one raising SystemExit, is reported
        if isinstance(exc, KeyboardInterrupt):
            raise
        errors.append(f"ROOT_URLCONF {urlconf!r} could not be loaded: {error_text(exc)}")
        return ()
    media_root = real(context.setting("MEDIA_ROOT"))
    media_url = str(context.setting("MEDIA_URL") or "").lstrip("/")
    found: list[ServePattern] = []

    def walk(entries: object, prefix: str, depth: int) -> None:
        if depth > MAX_URLCONF_DEPTH or not isinstance(entries, (list, tuple)):
            return
        for entry in entries:
            if isinstance(entry, URLResolver):
                try:
                    children = entry.url_patterns
                except Exception as exc:  # noqa: BLE001
                    errors.append(
                        f"URLconf {entry.urlconf_name!r} included at {prefix + str(entry.pattern)!r} could not be loaded: {error_text(exc)}"
                    )
                    continue
                walk(children, prefix + str(entry.pattern), depth + 1)
            elif isinstance(entry, URLPattern):
                view = qualified_name(entry.callback)
                if view not in SERVE_VIEWS:
                    continue
                route = prefix + str(entry.pattern)
                root = entry.default_args.get("document_root")
                root_real = real(root)
                serves = SERVE_VIEWS[view]
                if serves == "media" and not (
                    (root_real and media_root and is_within(root_real, media_root))
                    or (media_url and route.lstrip("^").startswith(media_url))
                ):
                    serves = "files"
                found.append(ServePattern(route, view, None if root is None else str(root), serves))

    walk(patterns, "", 0)
    return tuple(found)


def url_prefix(url: object) -> str | None:
    """ "static/" -> "/static/"; None for a full URL or nothing."""
    text = str(url or "")
    if not text.strip("/") or "://" in text or text.startswith("//"):
        return None
    return "/" + text.strip("/") + "/"


def covers(location: str, prefix: str) -> bool:
    location = location.strip()
    return location.strip("/") != "" and prefix.startswith(location.rstrip("/") + "/")


def yaml_map(node: object, *keys: str) -> formats.YamlMap | None:
    for key in keys:
        if not isinstance(node, formats.YamlMap):
            return None
        node = node.get(key)
    return node if isinstance(node, formats.YamlMap) else None


def router_locations(context: ProjectContext, prefix: str) -> list[str]:
    """Locations of a platform's own config that serve ``prefix`` from files (never passed to the app)."""
    found: list[str] = []
    for name in (".platform.app.yaml", ".upsun/config.yaml", "app.yaml"):
        project_file = context.files.get(name)
        if project_file is None or project_file.text is None:
            continue
        try:
            document = formats.read_yaml(project_file.text)
        except formats.FormatError:
            continue
        webs = [yaml_map(document, "web")]
        applications = yaml_map(document, "applications")
        if applications is not None:
            webs += [yaml_map(app, "web") for app in applications.items.values()]
        for web in webs:
            locations = yaml_map(web, "locations")
            for location, rules in locations.items.items() if locations is not None else ():
                if isinstance(rules, formats.YamlMap) and rules.get("root") is not None and covers(location, prefix):
                    found.append(f"{name}:{rules.line} {location}")
        handlers = document.get("handlers") if isinstance(document, formats.YamlMap) else None
        for handler in handlers.items if isinstance(handlers, formats.YamlList) else ():
            url = formats.yaml_text(handler.get("url")) if isinstance(handler, formats.YamlMap) else None
            if url and isinstance(handler, formats.YamlMap) and handler.get("static_dir") is not None and covers(url, prefix):
                found.append(f"{name}:{handler.line} {url}")
    return found


def web_server_locations(context: ProjectContext, prefix: str) -> list[str]:
    from django_deploy_concepts.server_configs import collect_proxy_configs

    configs = context.memo("server_configs", lambda: collect_proxy_configs(context, []))
    return [f"{config.path} {location}" for config in configs for location in config.locations if covers(location, prefix)]


def served_elsewhere(context: ProjectContext) -> tuple[str, ...]:
    prefix = url_prefix(context.setting("STATIC_URL"))
    if prefix is None:
        return ()
    return (*router_locations(context, prefix), *web_server_locations(context, prefix))


def collect(context: ProjectContext, middleware: tuple[str, ...], manifest: bool, errors: list[str]) -> ServingFacts:
    from django.apps import apps

    uses_whitenoise = WHITENOISE_MIDDLEWARE in middleware
    app_names = [app_config.name for app_config in apps.get_app_configs()]
    development = tuple(
        (name, repr(context.setting(name)))
        for name in WHITENOISE_DEVELOPMENT_SETTINGS
        if context.has_setting(name) and context.setting(name)
    )
    hashed, other = cache_control(context, manifest) if uses_whitenoise else (None, None)
    return ServingFacts(
        runserver_nostatic_index=app_index(app_names, RUNSERVER_NOSTATIC),
        staticfiles_app_index=app_index(app_names, STATICFILES_APP),
        development_settings=development,
        cache_control_hashed=hashed,
        cache_control_other=other,
        urlconf=None if not context.setting("ROOT_URLCONF") else str(context.setting("ROOT_URLCONF")),
        serve_patterns=serve_patterns(context, errors),
        served_elsewhere=served_elsewhere(context),
    )


# Checks -------------------------------------------------------------------------------------------


def uses_whitenoise(facts: Facts) -> bool:
    return facts.whitenoise_index is not None or bool(facts.storage.whitenoise_storages)


def static_url_is_remote(facts: Facts) -> bool:
    return (facts.static_url or "").startswith(("http://", "https://", "//"))


E003 = Error(
    "Nothing serves static files with DEBUG = False: every static URL is a 404.",
    hint=f"Add {WHITENOISE_MIDDLEWARE!r} to MIDDLEWARE, right after SecurityMiddleware.",
    id="deploy_static.E003",
)
W031 = Warning(
    "Nothing found serves static files with DEBUG = False: no WhiteNoise, no web server config.",
    hint="Add WhiteNoise; if a web server or CDN outside the repository serves them, declare DEPLOY_CONCEPTS['static_served_by'].",
    id="deploy_static.W031",
)


def static_needs_a_server(facts: Facts) -> bool:
    """Static files on this disk, and neither WhiteNoise, a known web server, a router nor a declaration serves them."""
    if not facts.staticfiles_installed or facts.whitenoise_index is not None or facts.platform.kind == "server":
        return False
    # A bucket or CDN serves what a remote storage collected.
    if not facts.storage.local or static_url_is_remote(facts) or facts.serving.served_elsewhere:
        return False
    return facts.static_served_by in (None, "whitenoise")


def check_something_serves_static(facts: Facts) -> list[CheckMessage]:
    if not static_needs_a_server(facts):
        return []
    # An error only where the platform is known to put nothing in front that serves files.
    return [E003] if facts.platform.kind == "paas" or facts.static_served_by == "whitenoise" else [W031]


# Middleware that belongs above WhiteNoise: CorsMiddleware must answer preflight requests for
# static files too (django-cors-headers' docs: "as high as possible").
ABOVE_WHITENOISE = frozenset(
    {SECURITY_MIDDLEWARE, "corsheaders.middleware.CorsMiddleware", "django_prometheus.middleware.PrometheusBeforeMiddleware"}
)

I004 = Info(
    "WhiteNoiseMiddleware is not directly after SecurityMiddleware.",
    hint="Move it up: other middleware would otherwise run (and may fail) for every static file.",
    id="deploy_static.I004",
)


def check_whitenoise_position(facts: Facts) -> list[CheckMessage]:
    if facts.whitenoise_index is None:
        return []
    above = facts.middleware[: facts.whitenoise_index]
    return [] if all(name in ABOVE_WHITENOISE for name in above) else [I004]


I013 = Info(
    f"{RUNSERVER_NOSTATIC} is not above {STATICFILES_APP} in INSTALLED_APPS.",
    hint="List it first so runserver serves files through WhiteNoise too, as production will.",
    id="deploy_static.I013",
)


def check_runserver_nostatic(facts: Facts) -> list[CheckMessage]:
    serving = facts.serving
    if facts.whitenoise_index is None or serving.staticfiles_app_index is None:
        return []
    if serving.runserver_nostatic_index is not None and serving.runserver_nostatic_index < serving.staticfiles_app_index:
        return []
    return [I013]


def w014(name: str, value: str) -> Warning:
    return Warning(
        f"{name} = {value} with DEBUG off: WhiteNoise serves the source folders.",
        hint="It is meant for development: remove it from production settings.",
        id="deploy_static.W014",
    )


def check_whitenoise_development_settings(facts: Facts) -> list[CheckMessage]:
    if facts.whitenoise_index is None or facts.debug:
        return []
    return [w014(name, value) for name, value in facts.serving.development_settings]


def w016(pattern: ServePattern) -> Warning:
    if pattern.serves == "static":
        hint = "It serves nothing with DEBUG = False; WhiteNoise or your web server must serve STATIC_URL."
    elif pattern.serves == "media":
        hint = "static() returns no pattern with DEBUG = False: serve MEDIA_ROOT from a web server or storage."
    else:
        hint = "Django's serve view is for development only: let a web server serve this folder."
    return Warning(
        f"URL pattern {pattern.route!r} serves files with {pattern.view}.",
        hint=hint,
        id="deploy_static.W016",
    )


def check_serve_patterns(facts: Facts) -> list[CheckMessage]:
    return [w016(pattern) for pattern in facts.serving.serve_patterns]


CHECKS = (
    check_something_serves_static,
    check_whitenoise_position,
    check_runserver_nostatic,
    check_whitenoise_development_settings,
    check_serve_patterns,
)


# Explanation --------------------------------------------------------------------------------------


def served_by(facts: Facts) -> str:
    if facts.whitenoise_index is not None:
        return "WhiteNoise, inside the Django process"
    if not facts.storage.local or static_url_is_remote(facts):
        return f"the storage's own host ({facts.static_url or 'STATIC_URL not set'})"
    if facts.serving.served_elsewhere:
        return ", ".join(facts.serving.served_elsewhere[:3])
    if facts.static_served_by not in (None, "whitenoise"):
        return f"{facts.static_served_by} (declared in DEPLOY_CONCEPTS), from STATIC_ROOT"
    if facts.platform.kind == "server":
        return "your web server (nginx, Apache or Caddy), from STATIC_ROOT"
    return "nobody found (no WhiteNoise, no web server config, nothing declared)"


def is_served(facts: Facts) -> bool:
    return not static_needs_a_server(facts)


def web_server_steps(facts: Facts, deployment: Plan) -> list[Step]:
    """Where the web server in front serves STATIC_ROOT itself (a server of your own)."""
    if is_served(facts) or not facts.staticfiles_installed:
        return []
    return [
        Step(
            "Let the web server serve the collected files.",
            "nginx (or Apache, Caddy) in front of gunicorn sends STATIC_ROOT at STATIC_URL itself, without Django. "
            "These commands print a configuration with the right paths for this project:",
            "python manage.py explain_webserver --emit nginx   # or apache, caddy",
            "shell",
        )
    ]


def steps(facts: Facts, deployment: Plan | None = None) -> list[Step]:
    deployment = deployment or for_platform(facts.platform.name)
    found: list[Step] = []
    if not facts.staticfiles_installed:
        return found
    if deployment.static_server != "whitenoise":
        return web_server_steps(facts, deployment)
    if not is_served(facts):
        found.append(
            Step(
                "Let WhiteNoise serve the collected files.",
                "WhiteNoise is a middleware that lets the Django process itself send the files collectstatic put in "
                f"STATIC_ROOT. Install it (python -m pip install whitenoise) and add it right after SecurityMiddleware."
                f" List it in {deployment.requirements_file} too.",
                deployment.snippet("MIDDLEWARE"),
                "python",
            )
        )
    elif check_whitenoise_position(facts):
        found.append(Step("Put WhiteNoise right after SecurityMiddleware.", "", deployment.snippet("MIDDLEWARE"), "python"))
    if check_runserver_nostatic(facts):
        found.append(
            Step(
                "Make runserver serve files as production will.",
                "WhiteNoise's runserver_nostatic turns off runserver's own file serving; list it first:",
                f'INSTALLED_APPS = [\n    "{RUNSERVER_NOSTATIC}",\n    "{STATICFILES_APP}",\n    # ... the rest\n]',
                "python",
            )
        )
    if check_whitenoise_development_settings(facts):
        names = ", ".join(name for name, _ in facts.serving.development_settings)
        found.append(
            Step(
                f"Keep {names} in development settings only.",
                "In production WhiteNoise must serve STATIC_ROOT, read once at start-up.",
                "",
                "",
            )
        )
    if facts.serving.serve_patterns:
        found.append(
            Step(
                "Keep Django's file-serving views for development.",
                "static() adds patterns only with DEBUG = True; in production "
                + (
                    "keep uploads in object storage (django-storages)"
                    if deployment.media_in_object_storage
                    else "let the web server serve MEDIA_ROOT"
                )
                + (", and static files with WhiteNoise" if deployment.static_server == "whitenoise" else "")
                + ". Guard the pattern:",
                "if settings.DEBUG:\n    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)",
                "python",
            )
        )
    return found


def found(facts: Facts) -> list[Fact]:
    facts_found = [Fact("Served in production by", served_by(facts), is_served(facts))]
    if facts.serving.cache_control_other is not None:
        hashed = facts.serving.cache_control_hashed or "none are hashed"
        facts_found.append(
            Fact("Cache-Control from WhiteNoise", f"hashed files: {hashed}; others: {facts.serving.cache_control_other}", None)
        )
    facts_found += [
        Fact("URL pattern serving files", f"{pattern.route} -> {pattern.view}", False) for pattern in facts.serving.serve_patterns
    ]
    return facts_found
