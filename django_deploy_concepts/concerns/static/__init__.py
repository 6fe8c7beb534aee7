"""Static files: will CSS, JavaScript and images still be there with DEBUG = False?

Docs: docs/checks/static.rst; Django: https://docs.djangoproject.com/en/stable/howto/static-files/deployment/

One sub-topic per module, each with its facts, checks and steps: ``locations`` (STATIC_URL/ROOT
beside MEDIA_*), ``storage`` (STORAGES), ``serving`` (WhiteNoise, web server, URL patterns),
``finders`` (the one pass over the source files), ``templates`` and ``stylesheets`` (references
to files), ``collected`` (STATIC_ROOT now) and ``compression``. This module puts them together.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import masking, plan, runner
from django_deploy_concepts.concerns.base import Concern
from django_deploy_concepts.concerns.static import (
    collected,
    compression,
    finders,
    locations,
    offline,
    serving,
    storage,
    stylesheets,
    templates,
)
from django_deploy_concepts.concerns.static.facts import (
    CollectedFacts,
    CompressionFacts,
    Facts,
    IgnoredSetting,
    LocationFacts,
    OfflineFacts,
    ServingFacts,
    SourceFacts,
    StorageFacts,
    StylesheetFacts,
    TemplateFacts,
)
from django_deploy_concepts.concerns.static.serving import SECURITY_MIDDLEWARE, WHITENOISE_MIDDLEWARE
from django_deploy_concepts.concerns.static.storage import DEFAULT_STATIC_STORAGE, RECOMMENDED_STORAGE, REMOVED_STORAGE_SETTINGS
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import as_text, error_text
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Explanation, Fact, Finding, Hop, Step

__all__ = [
    "ABOUT",
    "CHECKS",
    "CONCERN",
    "DEFAULT_STATIC_STORAGE",
    "DJANGO_CHECKS",
    "DJANGO_CHECK_TAGS",
    "LABEL",
    "NAME",
    "RECOMMENDED_STORAGE",
    "REMOVED_STORAGE_SETTINGS",
    "SECURITY_MIDDLEWARE",
    "TITLE",
    "WHITENOISE_MIDDLEWARE",
    "Facts",
    "IgnoredSetting",
    "collect_facts",
    "explain",
    "hops",
]

NAME = "static"
TITLE = "Static files"
LABEL = "deploy_static"
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
    "collectstatic with a manifest storage also rewrites the url() and @import references inside "
    "your stylesheets, and stops at the first one that names a missing file. Everything below was "
    "read from your project as it is, without running collectstatic or rendering a template.",
)
DJANGO_CHECKS = ("staticfiles.", "caches.W002")
# The tags of the Django checks that can report those ids: a run of this concern alone runs only them.
DJANGO_CHECK_TAGS: tuple[str, ...] | None = ("staticfiles", "caches")

# Settings whose read errors this concern reports (context.setting never raises; it records them).
STATIC_SETTINGS = (
    "STATIC_URL",
    "STATIC_ROOT",
    "MEDIA_URL",
    "MEDIA_ROOT",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STORAGES",
    "MIDDLEWARE",
    "TEMPLATES",
)


# Facts --------------------------------------------------------------------------------------------


Part = TypeVar("Part")


def read_middleware(context: ProjectContext, errors: list[str]) -> tuple[str, ...]:
    value = context.setting("MIDDLEWARE", [])
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    errors.append(f"MIDDLEWARE should be a list, not {type(value).__name__}")
    return ()


def type_errors(context: ProjectContext) -> list[str]:
    """Settings of a type Django cannot use; the sub-topics then treat them as unset."""
    errors = []
    for name in ("STATIC_ROOT", "MEDIA_ROOT"):
        value = context.setting(name)
        if value not in (None, "") and not isinstance(value, (str, os.PathLike)):
            errors.append(f"{name} should be a path, not {type(value).__name__}")
    finder_paths = context.setting("STATICFILES_FINDERS", [])
    if not isinstance(finder_paths, (list, tuple)):
        errors.append(f"STATICFILES_FINDERS should be a list, not {type(finder_paths).__name__}")
    return errors


def collect_facts(context: ProjectContext) -> Facts:
    from django.apps import apps

    errors: list[str] = []
    failures: list[str] = []

    def part(name: str, collect: Callable[[], Part], default: Part) -> Part:
        try:
            return collect()
        except Exception as exc:  # noqa: BLE001 - one sub-topic's bug must not hide the others
            failures.append(f"{name}: {error_text(exc)}")
            return default

    middleware = read_middleware(context, errors)
    errors += type_errors(context)
    backend, configured, storage_error = storage.storage_backend(context.setting("STORAGES"))
    if storage_error:
        errors.append(storage_error)
    static_url = as_text(context.setting("STATIC_URL"))
    where = part("locations", lambda: locations.collect(context), LocationFacts())
    stored = part("storage", lambda: storage.collect(context, backend, configured), StorageFacts())
    served = part("serving", lambda: serving.collect(context, middleware, stored.manifest, errors), ServingFacts())
    sources = part("finders", lambda: finders.collect(context), SourceFacts())
    template_facts = part("templates", lambda: templates.collect(context), TemplateFacts())
    collected_facts = part("collected", lambda: collected.collect(context, where.static_root, stored), CollectedFacts())
    compression_facts = part("compression", lambda: compression.collect(context), CompressionFacts())
    offline_facts = part("offline", lambda: offline.collect(context), OfflineFacts())
    # After the templates, whose suggestions come first.
    stylesheet_facts = part("stylesheets", lambda: stylesheets.collect(context, backend, static_url), StylesheetFacts())
    errors += [f"{error.name}: {error.error}" for error in context.setting_errors if error.name in STATIC_SETTINGS]
    return Facts(
        staticfiles_installed=apps.is_installed("django.contrib.staticfiles"),
        debug=context.setting("DEBUG", False) is True,
        static_url=None if static_url is None else masking.mask_url(static_url),
        static_root=None if where.static_root is None else where.static_root.configured,
        staticfiles_storage=backend,
        ignored_settings=storage.ignored_settings(context),
        middleware=middleware,
        whitenoise_index=middleware.index(WHITENOISE_MIDDLEWARE) if WHITENOISE_MIDDLEWARE in middleware else None,
        security_index=middleware.index(SECURITY_MIDDLEWARE) if SECURITY_MIDDLEWARE in middleware else None,
        platform=context.platform_info,
        errors=tuple(errors),
        locations=where,
        storage=stored,
        serving=served,
        sources=sources,
        templates=template_facts,
        stylesheets=stylesheet_facts,
        collected=collected_facts,
        compression=compression_facts,
        offline=offline_facts,
        static_served_by=context.target.static_served_by,
        failures=tuple(failures),
    )


# Checks -------------------------------------------------------------------------------------------


def e000(failure: str) -> Error:
    return Error(f"{TITLE}: inspecting {failure}", hint=runner.INSPECTION_FAILED_HINT, id="deploy_static.E000")


def check_inspection(facts: Facts) -> list[CheckMessage]:
    return [e000(failure) for failure in facts.failures]


def e030(error: str) -> Error:
    return Error(f"{error}.", hint="Fix it first: Django fails on it too, and other checks depend on it.", id="deploy_static.E030")


def check_readable(facts: Facts) -> list[CheckMessage]:
    return [e030(error) for error in facts.errors]


CHECKS = (
    check_inspection,
    check_readable,
    *locations.CHECKS,
    *storage.CHECKS,
    *serving.CHECKS,
    *finders.CHECKS,
    *templates.CHECKS,
    *stylesheets.CHECKS,
    *collected.CHECKS,
    *offline.CHECKS,
)


# Explanation --------------------------------------------------------------------------------------


def explain(facts: Facts, findings: tuple[Finding, ...], deployment: Plan | None = None) -> Explanation:
    deployment = deployment or plan.for_platform(facts.platform.name)
    found = [Fact("django.contrib.staticfiles", "installed" if facts.staticfiles_installed else "not installed", None)]
    found += [*locations.found(facts), *collected.found(facts), *storage.found(facts), *serving.found(facts)]
    if facts.staticfiles_installed:
        found += [*finders.found(facts), *templates.found(facts), *stylesheets.found(facts), *compression.found(facts)]
        found += offline.found(facts)
    found += [Fact("Could not read", error, False) for error in facts.errors]
    steps = [
        *locations.steps(facts, deployment),
        *serving.steps(facts, deployment),
        *storage.steps(facts, deployment),
        *finders.steps(facts),
        *templates.steps(facts),
        *stylesheets.steps(facts),
        *collected.steps(facts),
        *offline.steps(facts),
    ]
    if facts.staticfiles_installed and facts.storage.local:
        steps.append(
            Step(
                "Collect the files in your build step.",
                f"Before the app starts: {deployment.platform.build_step}. Otherwise "
                + ('WhiteNoise warns "No directory at" and ' if deployment.static_server == "whitenoise" else "")
                + "every CSS file is a 404.",
                plan.COLLECTSTATIC_COMMAND,
                "shell",
            )
        )
    return Explanation(about=(situation(deployment), *ABOUT), found=tuple(found), steps=tuple(steps))


def situation(deployment: Plan) -> str:
    """What serves static files where this project goes, as the report found it."""
    if deployment.static_server == "whitenoise":
        return (
            f"On {deployment.where}, WhiteNoise inside the Django process will send your static files, from the folder "
            f"collectstatic fills in the build step: {deployment.platform.build_step}."
        )
    return (
        f"On {deployment.where}, the web server in front (nginx, Apache or Caddy) sends the static files itself, from the "
        f"folder collectstatic fills: {deployment.platform.build_step}."
    )


def hops(facts: Facts) -> tuple[Hop, ...]:
    ready = (
        (facts.static_root is not None or not facts.storage.local)
        and serving.is_served(facts)
        and not facts.templates.missing_count
        and not (facts.storage.hashes and facts.stylesheets.missing_count)
    )
    detail = f"{serving.served_by(facts)}; STATIC_ROOT {facts.static_root or 'not set'}"
    return (Hop("static", "Static files", detail, ready),)


CONCERN = Concern(__name__)
