"""Media files: uploads to model file fields, MEDIA_ROOT/MEDIA_URL, and who serves them in production.

Docs: docs/checks/webserver.rst (W003, W011, W012); Django: https://docs.djangoproject.com/en/stable/topics/files/
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Warning

from django_deploy_concepts.context import ProjectContext

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts

MAX_FIELDS = 50


@dataclasses.dataclass(frozen=True)
class MediaFacts:
    media_root: str | None
    media_url: str | None
    # "app_label.Model.field" of each FileField/ImageField whose storage writes to the local disk.
    local_file_fields: tuple[str, ...]
    # The same for fields stored elsewhere (object storage and other custom backends).
    remote_file_fields: tuple[str, ...]
    default_storage: str


def as_text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def is_local(storage: object) -> bool:
    from django.core.files.storage import FileSystemStorage

    # default_storage is a LazyObject: isinstance() sees through it, building the backend once.
    return isinstance(storage, FileSystemStorage)


def storage_name(storage: object) -> str:
    # A LazyObject reports its wrapped object's class through __class__.
    cls = storage.__class__
    return f"{cls.__module__}.{cls.__qualname__}"


def collect_media_facts(context: ProjectContext, errors: list[str]) -> MediaFacts:
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db import models

    try:
        default_local = is_local(default_storage)
        default_name = storage_name(default_storage)
    except Exception as exc:  # noqa: BLE001 - a broken STORAGES setting is reported, not raised
        errors.append(f"the default storage cannot be built: {type(exc).__name__}: {exc}")
        default_local, default_name = False, "(cannot be built)"
    local: list[str] = []
    remote: list[str] = []
    try:
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.FileField):
                    continue
                label = f"{model._meta.label}.{field.name}"
                try:
                    field_local = default_local if field.storage is default_storage else is_local(field.storage)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"the storage of {label} cannot be built: {type(exc).__name__}: {exc}")
                    continue
                (local if field_local else remote).append(label)
    except Exception as exc:  # noqa: BLE001 - apps not ready or a broken model: say so, carry on
        errors.append(f"cannot list the models' file fields: {type(exc).__name__}: {exc}")
    return MediaFacts(
        media_root=as_text(context.setting("MEDIA_ROOT")),
        # Django reads an empty MEDIA_URL as the script prefix, "/": every upload URL would hit the URLconf.
        media_url=None if as_text(context.setting("MEDIA_URL")) in (None, "/") else as_text(context.setting("MEDIA_URL")),
        local_file_fields=tuple(local[:MAX_FIELDS]),
        remote_file_fields=tuple(remote[:MAX_FIELDS]),
        default_storage=default_name,
    )


def url_path(url: str | None) -> str | None:
    """The path a web server matches for a Django URL setting ("media/" -> "/media/"); None for full URLs."""
    if not url or "://" in url or url.startswith("//"):
        return None
    return "/" + url.strip("/") + "/" if url.strip("/") else "/"


def fields_text(fields: tuple[str, ...]) -> str:
    return fields[0] if len(fields) == 1 else f"{fields[0]} and {len(fields) - 1} more"


# Checks -------------------------------------------------------------------------------------------


def w003(facts: Facts) -> Warning:
    where = f"MEDIA_ROOT {facts.media.media_root}" if facts.media.media_root else "the working directory"
    return Warning(
        f"Uploads to {fields_text(facts.media.local_file_fields)} go to {where}, on an ephemeral disk.",
        hint=f"{facts.platform.title} loses them at the next deploy: store uploads in object storage (django-storages).",
        id="deploy_webserver.W003",
    )


def check_media_on_ephemeral_disk(facts: Facts) -> list[CheckMessage]:
    return [w003(facts)] if facts.media.local_file_fields and facts.platform.ephemeral_disk else []


def w011(facts: Facts) -> Warning:
    missing = [name for name in ("MEDIA_ROOT", "MEDIA_URL") if not getattr(facts.media, name.lower())]
    verb = "are" if len(missing) > 1 else "is"
    return Warning(
        f"{fields_text(facts.media.local_file_fields)} stores uploads on disk, but {' and '.join(missing)} {verb} not set.",
        hint='Set MEDIA_ROOT = BASE_DIR / "media" and MEDIA_URL = "media/" (or use object storage).',
        id="deploy_webserver.W011",
    )


def check_media_settings(facts: Facts) -> list[CheckMessage]:
    media = facts.media
    return [w011(facts)] if media.local_file_fields and not (media.media_root and media.media_url) else []


def w012(facts: Facts, path: str) -> Warning:
    return Warning(
        f"No web server config in the project serves MEDIA_URL {path}; uploads will 404.",
        hint="Add a location for it (explain_webserver --emit nginx shows one); WhiteNoise does not serve media.",
        id="deploy_webserver.W012",
    )


def check_media_served(facts: Facts) -> list[CheckMessage]:
    media = facts.media
    path = url_path(media.media_url)
    servers = [config for config in facts.proxies if config.server in ("nginx", "apache", "caddy")]
    # Only judged where the project's own web server configs are known; an ephemeral disk (W003)
    # or missing settings (W011) come first.
    if not (media.local_file_fields and media.media_root and path and servers) or facts.platform.ephemeral_disk:
        return []
    if facts.media_served_by in ("platform", "cdn", "object-storage"):
        return []
    prefixes = [location.rstrip("/") + "/" for config in servers for location in config.locations if location.strip("/")]
    served = any(path.startswith(prefix) for prefix in prefixes)
    return [] if served else [w012(facts, path)]


def w017(facts: Facts, path: str) -> Warning:
    declared = facts.media_served_by == "whitenoise"
    return Warning(
        f"Nothing found serves MEDIA_URL {path}: {'WhiteNoise serves only static files' if declared else 'no web server config in the project'}.",
        hint="Serve MEDIA_ROOT from your web server or object storage; if one outside the repository does, declare DEPLOY_CONCEPTS['media_served_by'].",
        obj="MEDIA_URL",
        id="deploy_webserver.W017",
    )


def check_media_served_by_something(facts: Facts) -> list[CheckMessage]:
    """Uploads on a lasting disk, and neither a web server config in the project nor a declaration says who serves them."""
    media = facts.media
    path = url_path(media.media_url)
    servers = [config for config in facts.proxies if config.server in ("nginx", "apache", "caddy")]
    # A platform's wiped disk is W003's, missing settings W011's, a config in the project W012's.
    if not (media.local_file_fields and media.media_root and path) or facts.platform.ephemeral_disk or servers:
        return []
    if facts.media_served_by not in (None, "whitenoise"):
        return []
    return [w017(facts, path)]
