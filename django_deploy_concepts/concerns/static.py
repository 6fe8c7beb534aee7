"""Static files: will CSS, JavaScript and images still be there with DEBUG = False?

Docs: docs/checks/static.rst; Django: https://docs.djangoproject.com/en/stable/howto/static-files/deployment/
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import runner
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

NAME = "static"
TITLE = "Static files"
LETTER = "S"
ABOUT = (
    "Why doesn't {% static %} just work in production? Under `runserver` with DEBUG = True, the "
    "staticfiles app finds each file in your apps' static/ folders and STATICFILES_DIRS and serves "
    "it on the fly. With DEBUG = False nothing does that any more: every CSS, JavaScript and image "
    "URL is a 404 until something else serves the files.",
    "In production, `manage.py collectstatic` copies every static file into one folder, STATIC_ROOT, "
    "and a server sends them from there: WhiteNoise inside the Django process (the usual choice on a "
    "platform), or nginx, Apache or Caddy in front of it. A manifest storage adds a content hash to "
    "each file name so browsers can cache them forever; a reference to a file that was not collected "
    'then fails with "ValueError: Missing staticfiles manifest entry" and a Server Error (500).',
)
DJANGO_CHECKS = ("staticfiles.", "caches.W002")

WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
# Settings removed in Django 5.1 that older tutorials still set; Django ignores them silently.
REMOVED_STORAGE_SETTINGS = {"STATICFILES_STORAGE": "staticfiles", "DEFAULT_FILE_STORAGE": "default"}
DEFAULT_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
RECOMMENDED_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class IgnoredSetting:
    name: str
    value: str
    storages_key: str


@dataclasses.dataclass(frozen=True)
class Facts:
    staticfiles_installed: bool
    debug: bool
    static_url: str | None
    static_root: str | None
    staticfiles_storage: str
    ignored_settings: tuple[IgnoredSetting, ...]
    middleware: tuple[str, ...]
    whitenoise_installed: bool
    whitenoise_index: int | None
    security_index: int | None
    # The detected platform's advice on serving static files, and whether it puts a web server in front.
    platform_title: str
    platform_has_web_server: bool
    platform_static_advice: str
    errors: tuple[str, ...]


def as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def storage_backend(storages: object) -> tuple[str, str | None]:
    """The staticfiles storage Django will use, and an error when STORAGES cannot be read."""
    if storages is None:
        return DEFAULT_STATIC_STORAGE, None
    if not isinstance(storages, dict):
        return DEFAULT_STATIC_STORAGE, f"STORAGES should be a dict, not {type(storages).__name__}"
    entry = storages.get("staticfiles")
    if entry is None:
        return DEFAULT_STATIC_STORAGE, None
    if not isinstance(entry, dict) or not isinstance(entry.get("BACKEND"), str):
        return DEFAULT_STATIC_STORAGE, 'STORAGES["staticfiles"] should be a dict with a "BACKEND" string'
    return entry["BACKEND"], None


def module_available(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def collect_facts(context: ProjectContext) -> Facts:
    from django.apps import apps

    errors: list[str] = []
    middleware_setting = context.setting("MIDDLEWARE", [])
    if isinstance(middleware_setting, (list, tuple)):
        middleware = tuple(str(item) for item in middleware_setting)
    else:
        errors.append(f"MIDDLEWARE should be a list, not {type(middleware_setting).__name__}")
        middleware = ()
    storage, storage_error = storage_backend(context.setting("STORAGES"))
    if storage_error:
        errors.append(storage_error)
    ignored = tuple(
        IgnoredSetting(name, str(context.setting(name)), key)
        for name, key in REMOVED_STORAGE_SETTINGS.items()
        if context.has_setting(name) and context.setting(name)
    )
    platform = context.platform_info
    return Facts(
        staticfiles_installed=apps.is_installed("django.contrib.staticfiles"),
        debug=context.setting("DEBUG", False) is True,
        static_url=as_text(context.setting("STATIC_URL")),
        static_root=as_text(context.setting("STATIC_ROOT")),
        staticfiles_storage=storage,
        ignored_settings=ignored,
        middleware=middleware,
        whitenoise_installed=module_available("whitenoise"),
        whitenoise_index=middleware.index(WHITENOISE_MIDDLEWARE) if WHITENOISE_MIDDLEWARE in middleware else None,
        security_index=middleware.index(SECURITY_MIDDLEWARE) if SECURITY_MIDDLEWARE in middleware else None,
        platform_title=platform.title,
        platform_has_web_server=platform.kind == "server",
        platform_static_advice=platform.static_advice,
        errors=tuple(errors),
    )


# Checks -------------------------------------------------------------------------------------------

S001 = Error(
    "STATIC_ROOT is not set; collectstatic will refuse to run.",
    hint='Set STATIC_ROOT = BASE_DIR / "staticfiles" and run collectstatic in your build step.',
    id="deploy_concepts.S001",
)


def check_static_root(facts: Facts) -> list[CheckMessage]:
    return [S001] if facts.staticfiles_installed and facts.static_root is None else []


def s002(setting: IgnoredSetting) -> Warning:
    return Warning(
        f"{setting.name} = {setting.value!r} is ignored since Django 5.1.",
        hint=f'Move it to STORAGES = {{"{setting.storages_key}": {{"BACKEND": "{setting.value}"}}, ...}}.',
        id="deploy_concepts.S002",
    )


def check_removed_storage_settings(facts: Facts) -> list[CheckMessage]:
    return [s002(setting) for setting in facts.ignored_settings]


S003 = Error(
    "Nothing serves static files with DEBUG = False: every static URL is a 404.",
    hint=f"Add {WHITENOISE_MIDDLEWARE!r} to MIDDLEWARE, right after SecurityMiddleware.",
    id="deploy_concepts.S003",
)


def check_something_serves_static(facts: Facts) -> list[CheckMessage]:
    if not facts.staticfiles_installed or facts.whitenoise_index is not None or facts.platform_has_web_server:
        return []
    return [S003]


S004 = Warning(
    "WhiteNoiseMiddleware is not directly after SecurityMiddleware.",
    hint="Move it up: other middleware would otherwise run (and may fail) for every static file.",
    id="deploy_concepts.S004",
)


def check_whitenoise_position(facts: Facts) -> list[CheckMessage]:
    if facts.whitenoise_index is None:
        return []
    expected = 0 if facts.security_index is None else facts.security_index + 1
    return [] if facts.whitenoise_index == expected else [S004]


CHECKS = (check_static_root, check_removed_storage_settings, check_something_serves_static, check_whitenoise_position)


def django_check(app_configs: Any = None, databases: Collection[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return runner.check_concern(NAME, databases)


# Explanation --------------------------------------------------------------------------------------


def served_by(facts: Facts) -> str:
    if facts.whitenoise_index is not None:
        return "WhiteNoise, inside the Django process"
    if facts.platform_has_web_server:
        return "your web server (nginx, Apache or Caddy), from STATIC_ROOT"
    return "nobody (no WhiteNoise, no web server detected)"


def explain(facts: Facts, findings: tuple[Finding, ...]) -> Explanation:
    found = [
        Fact("django.contrib.staticfiles", "installed" if facts.staticfiles_installed else "not installed", None),
        Fact("STATIC_URL", facts.static_url or "(not set)", facts.static_url is not None),
        Fact("STATIC_ROOT", facts.static_root or "(not set)", facts.static_root is not None),
        Fact("Storage in effect", facts.staticfiles_storage, "Manifest" in facts.staticfiles_storage),
        Fact("Served in production by", served_by(facts), facts.whitenoise_index is not None or facts.platform_has_web_server),
    ]
    found += [Fact(f"{setting.name} (ignored since Django 5.1)", setting.value, False) for setting in facts.ignored_settings]
    found += [Fact("Could not read", error, False) for error in facts.errors]

    steps: list[Step] = []
    if facts.static_root is None:
        steps.append(Step("Give collectstatic a folder to fill.", "In your settings:", 'STATIC_ROOT = BASE_DIR / "staticfiles"', "python"))
    if facts.whitenoise_index is None and not facts.platform_has_web_server:
        steps.append(
            Step(
                "Let WhiteNoise serve the collected files.",
                f"On {facts.platform_title}, {facts.platform_static_advice}. Add it right after SecurityMiddleware:",
                'MIDDLEWARE = [\n    "django.middleware.security.SecurityMiddleware",\n    "whitenoise.middleware.WhiteNoiseMiddleware",\n    # ... the rest\n]',
                "python",
            )
        )
    if "Manifest" not in facts.staticfiles_storage or facts.ignored_settings:
        steps.append(
            Step(
                "Use a compressing manifest storage, through STORAGES.",
                "Hashed names let browsers cache files forever; compression makes them smaller.",
                'STORAGES = {\n    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},\n'
                f'    "staticfiles": {{"BACKEND": "{RECOMMENDED_STORAGE}"}},\n}}',
                "python",
            )
        )
    steps.append(Step("Collect the files in your build or release step.", "", "python manage.py collectstatic --noinput", "shell"))
    return Explanation(about=ABOUT, found=tuple(found), steps=tuple(steps))


def hops(facts: Facts) -> tuple[Hop, ...]:
    ready = facts.static_root is not None and (facts.whitenoise_index is not None or facts.platform_has_web_server)
    return (Hop("static", "Static files", f"{served_by(facts)}; STATIC_ROOT {facts.static_root or 'not set'}", ready),)
