"""Where static files come from and where collectstatic puts them: STATIC_URL/ROOT beside MEDIA_URL/ROOT.

Django: https://docs.djangoproject.com/en/stable/ref/settings/#static-root
"""

from __future__ import annotations

import os

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.static.common import absolute, is_within, real
from django_deploy_concepts.concerns.static.facts import Facts, Folder, LocationFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import as_text, display_path
from django_deploy_concepts.plan import Plan, for_platform
from django_deploy_concepts.report import Fact, Step

# Facts --------------------------------------------------------------------------------------------


def folder(path: object, owner: str = "") -> Folder | None:
    absolute_path = absolute(path)
    real_path = real(path)
    if absolute_path is None or real_path is None:
        return None
    return Folder(str(path), absolute_path, real_path, owner)


def staticfiles_dirs(value: object) -> tuple[Folder, ...]:
    """STATICFILES_DIRS entries (plain or ``(prefix, path)``); a malformed setting is Django's staticfiles.E001."""
    if not isinstance(value, (list, tuple)):
        return ()
    folders = []
    for entry in value:
        prefix = ""
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            prefix, entry = str(entry[0]), entry[1]
        found = folder(entry, prefix)
        if found is not None:
            folders.append(found)
    return tuple(folders)


def app_static_dirs() -> tuple[Folder, ...]:
    from django.apps import apps

    folders = []
    for app_config in apps.get_app_configs():
        path = os.path.join(app_config.path, "static")
        if os.path.isdir(path):
            found = folder(path, app_config.name)
            if found is not None:
                folders.append(found)
    return tuple(folders)


def not_a_path(value: object) -> str | None:
    """``42 (int)`` for a value that is set but is no filesystem path; None for a path or an unset value."""
    if value is None or value == "" or isinstance(value, (str, os.PathLike)):
        return None
    text = repr(value)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type(value).__name__})"


def collect(context: ProjectContext) -> LocationFacts:
    configured_root = context.setting("STATIC_ROOT")
    static_root = folder(configured_root)
    media_root = folder(context.setting("MEDIA_ROOT"))
    media_url = as_text(context.setting("MEDIA_URL"))
    return LocationFacts(
        static_root=static_root,
        media_url=None if media_url is None else masking.mask_url(media_url),
        media_root=media_root,
        staticfiles_dirs=staticfiles_dirs(context.setting("STATICFILES_DIRS", [])),
        app_static_dirs=app_static_dirs(),
        static_root_display=None if static_root is None else display_path(static_root.absolute, (context.base_dir,)),
        static_root_not_a_path=not_a_path(configured_root),
    )


# Checks -------------------------------------------------------------------------------------------

E001 = Error(
    "STATIC_ROOT is not set; collectstatic will refuse to run.",
    hint='Set STATIC_ROOT = BASE_DIR / "staticfiles" and run collectstatic in your build step.',
    id="deploy_static.E001",
)


def e001_not_a_path(value: str) -> Error:
    return Error(
        f"STATIC_ROOT = {value} is not a filesystem path; collectstatic will refuse to run.",
        hint=E001.hint,
        id="deploy_static.E001",
    )


def check_static_root(facts: Facts) -> list[CheckMessage]:
    # A remote storage (S3, ...) collects into its bucket and needs no STATIC_ROOT.
    if not (facts.staticfiles_installed and facts.static_root is None and facts.storage.local):
        return []
    value = facts.locations.static_root_not_a_path
    return [E001] if value is None else [e001_not_a_path(value)]


def e005(root: Folder, source: Folder) -> Error:
    if root.real == source.real:
        where = f"is the folder STATICFILES_DIRS entry {source.configured} (through a symbolic link)"
    elif is_within(root.real, source.real):
        where = f"is inside STATICFILES_DIRS entry {source.configured}"
    else:
        where = f"contains STATICFILES_DIRS entry {source.configured}"
    return Error(
        f"STATIC_ROOT {root.configured} {where}.",
        hint="Keep sources and STATIC_ROOT apart: collectstatic copies into it, and --clear empties it.",
        id="deploy_static.E005",
    )


def check_root_apart_from_dirs(facts: Facts) -> list[CheckMessage]:
    root = facts.locations.static_root
    if root is None or not facts.staticfiles_installed:
        return []
    return [
        e005(root, source)
        for source in facts.locations.staticfiles_dirs
        # The very same path is Django's own staticfiles.E002; a nested or linked one is ours.
        if source.absolute != root.absolute and (is_within(root.real, source.real) or is_within(source.real, root.real))
    ]


def e006(root: Folder, media: Folder) -> Error:
    relation = "are the same folder" if root.real == media.real else "overlap: one is inside the other"
    return Error(
        f"MEDIA_ROOT {media.configured} and STATIC_ROOT {root.configured} {relation}.",
        hint='Use separate folders, e.g. MEDIA_ROOT = BASE_DIR / "media", STATIC_ROOT = BASE_DIR / "staticfiles".',
        id="deploy_static.E006",
    )


def check_root_apart_from_media(facts: Facts) -> list[CheckMessage]:
    root, media = facts.locations.static_root, facts.locations.media_root
    if root is None or media is None or not facts.staticfiles_installed:
        return []
    return [e006(root, media)] if is_within(root.real, media.real) or is_within(media.real, root.real) else []


def e007(static_url: str, media_url: str) -> Error:
    relation = "equals" if static_url == media_url else "is inside"
    return Error(
        f"MEDIA_URL {media_url!r} {relation} STATIC_URL {static_url!r}.",
        hint='Give uploads their own URL, e.g. MEDIA_URL = "media/" beside STATIC_URL = "static/".',
        id="deploy_static.E007",
    )


def check_media_url_apart(facts: Facts) -> list[CheckMessage]:
    static_url, media_url = facts.static_url, facts.locations.media_url
    if not facts.staticfiles_installed or static_url is None or media_url is None:
        return []
    return [e007(static_url, media_url)] if media_url.startswith(static_url) else []


def e008(root: Folder, app_dir: Folder) -> Error:
    return Error(
        f"STATIC_ROOT {root.configured} is inside the static folder of app {app_dir.owner}.",
        hint='collectstatic would collect its own output on every run; use STATIC_ROOT = BASE_DIR / "staticfiles".',
        id="deploy_static.E008",
    )


def check_root_outside_apps(facts: Facts) -> list[CheckMessage]:
    root = facts.locations.static_root
    if root is None or not facts.staticfiles_installed:
        return []
    return [e008(root, app_dir) for app_dir in facts.locations.app_static_dirs if is_within(root.real, app_dir.real)]


E009 = Error(
    "STATIC_URL is not set; every {% static %} raises ImproperlyConfigured.",
    hint='Set STATIC_URL = "static/".',
    id="deploy_static.E009",
)


def check_static_url(facts: Facts) -> list[CheckMessage]:
    return [E009] if facts.staticfiles_installed and facts.static_url is None else []


CHECKS = (
    check_static_root,
    check_static_url,
    check_root_apart_from_dirs,
    check_root_apart_from_media,
    check_media_url_apart,
    check_root_outside_apps,
)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts, deployment: Plan | None = None) -> list[Step]:
    deployment = deployment or for_platform(facts.platform.name)
    found: list[Step] = []
    if facts.static_url is None and facts.staticfiles_installed:
        found.append(Step("Give static files a URL.", "In your settings:", 'STATIC_URL = "static/"', "python"))
    root = facts.locations.static_root
    # Django's own staticfiles.E002 (the very same folder) needs the same fix.
    same_as_source = root is not None and any(source.absolute == root.absolute for source in facts.locations.staticfiles_dirs)
    overlapping = same_as_source or check_root_apart_from_dirs(facts) + check_root_apart_from_media(facts) + check_root_outside_apps(facts)
    if facts.static_root is None and facts.storage.local:
        found.append(
            Step(
                "Give collectstatic a folder to fill.",
                "Without it collectstatic stops with \"You're using the staticfiles app without having set the STATIC_ROOT "
                'setting to a filesystem path." In your settings:',
                deployment.snippet("STATIC_ROOT"),
                "python",
            )
        )
    elif overlapping:
        found.append(
            Step(
                "Give collectstatic a folder of its own, apart from your sources and uploads.",
                "collectstatic owns STATIC_ROOT: it copies into it, and `collectstatic --clear` deletes everything in it.",
                deployment.snippet("STATIC_ROOT") + '\nMEDIA_ROOT = BASE_DIR / "media"',
                "python",
            )
        )
    if check_media_url_apart(facts):
        found.append(Step("Give uploads a URL of their own.", "", 'STATIC_URL = "static/"\nMEDIA_URL = "media/"', "python"))
    return found


def found(facts: Facts) -> list[Fact]:
    where = facts.locations
    facts_found = [Fact("STATIC_URL", facts.static_url or "(not set)", facts.static_url is not None)]
    if where.staticfiles_dirs:
        facts_found.append(Fact("STATICFILES_DIRS", ", ".join(folder.configured for folder in where.staticfiles_dirs), None))
    if where.media_root is not None:
        facts_found.append(Fact("MEDIA_URL / MEDIA_ROOT", f"{where.media_url} / {where.media_root.configured}", None))
    return facts_found
