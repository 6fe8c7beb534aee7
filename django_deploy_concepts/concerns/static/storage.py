"""The storage backend in effect (STORAGES["staticfiles"]): hashed names, manifest, compression.

Django: https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts.concerns.static.facts import Facts, IgnoredSetting, StorageFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import error_text
from django_deploy_concepts.plan import Plan, for_platform
from django_deploy_concepts.report import Fact, Step

# Settings removed in Django 5.1 that older tutorials still set; Django ignores them silently.
REMOVED_STORAGE_SETTINGS = {"STATICFILES_STORAGE": "staticfiles", "DEFAULT_FILE_STORAGE": "default"}
DEFAULT_STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
DEFAULT_FILE_STORAGE = "django.core.files.storage.FileSystemStorage"
RECOMMENDED_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
WHITENOISE_COMPRESSED_STORAGES = ("whitenoise.storage.CompressedStaticFilesStorage", RECOMMENDED_STORAGE)
# WhiteNoise settings read only by its storages: the first two by the manifest one alone.
WHITENOISE_STORAGE_SETTINGS = {
    "WHITENOISE_KEEP_ONLY_HASHED_FILES": (RECOMMENDED_STORAGE,),
    "WHITENOISE_MANIFEST_STRICT": (RECOMMENDED_STORAGE,),
    "WHITENOISE_SKIP_COMPRESS_EXTENSIONS": WHITENOISE_COMPRESSED_STORAGES,
}


# Facts --------------------------------------------------------------------------------------------


def storage_backend(storages: object) -> tuple[str, bool, str | None]:
    """The staticfiles backend Django will use, whether STORAGES defines one, and a read error."""
    if storages is None:
        return DEFAULT_STATIC_STORAGE, True, None
    if not isinstance(storages, dict):
        return DEFAULT_STATIC_STORAGE, True, f"STORAGES should be a dict, not {type(storages).__name__}"
    entry = storages.get("staticfiles")
    if entry is None:
        return DEFAULT_STATIC_STORAGE, False, None
    if not isinstance(entry, dict) or not isinstance(entry.get("BACKEND"), str):
        return DEFAULT_STATIC_STORAGE, True, 'STORAGES["staticfiles"] should be a dict with a "BACKEND" string'
    return entry["BACKEND"], True, None


def ignored_settings(context: ProjectContext) -> tuple[IgnoredSetting, ...]:
    return tuple(
        IgnoredSetting(name, str(context.setting(name)), key)
        for name, key in REMOVED_STORAGE_SETTINGS.items()
        if context.has_setting(name) and context.setting(name)
    )


def default_storage_fields() -> tuple[str, ...]:
    """ "app.Model.field" of each FileField whose storage is the default one (not built here)."""
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db import models

    fields = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and field.storage is default_storage:
                fields.append(f"{model._meta.label}.{field.name}")
    return tuple(fields[:20])


def default_facts(context: ProjectContext) -> dict[str, object]:
    from django.apps import apps

    storages = context.setting("STORAGES") if context.has_setting("STORAGES") else None
    entry = storages.get("staticfiles") if isinstance(storages, dict) else None
    missing = isinstance(storages, dict) and "default" not in storages
    return {
        "chosen": isinstance(entry, dict) and isinstance(entry.get("BACKEND"), str),
        "compressor": apps.is_installed("compressor"),
        "default_missing": missing,
        "default_storage_fields": default_storage_fields() if missing else (),
    }


def whitenoise_bases(storage_class: type) -> tuple[str, ...]:
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in storage_class.__mro__}
    return tuple(name for name in WHITENOISE_COMPRESSED_STORAGES if name in names)


def collect(context: ProjectContext, backend: str, configured: bool) -> StorageFacts:
    from django.contrib.staticfiles.storage import HashedFilesMixin, ManifestFilesMixin
    from django.core.files.storage import FileSystemStorage
    from django.utils.module_loading import import_string

    settings = tuple((name, repr(context.setting(name))) for name in WHITENOISE_STORAGE_SETTINGS if context.has_setting(name))
    extra: Any = default_facts(context)
    try:
        storage_class = import_string(backend)
    except Exception as exc:  # noqa: BLE001 - a missing package or a typo is the finding
        return StorageFacts(configured=configured, import_error=error_text(exc), whitenoise_settings=settings, **extra)
    if not isinstance(storage_class, type):
        return StorageFacts(configured=configured, import_error=f"{backend} is not a class", whitenoise_settings=settings, **extra)
    bases = whitenoise_bases(storage_class)
    manifest = issubclass(storage_class, ManifestFilesMixin)
    strict = bool(getattr(storage_class, "manifest_strict", True))
    if RECOMMENDED_STORAGE in bases and context.setting("WHITENOISE_MANIFEST_STRICT") is not None:
        strict = bool(context.setting("WHITENOISE_MANIFEST_STRICT"))
    return StorageFacts(
        configured=configured,
        hashes=issubclass(storage_class, HashedFilesMixin),
        manifest=manifest,
        manifest_name=str(getattr(storage_class, "manifest_name", "staticfiles.json")) if manifest else None,
        manifest_strict=strict,
        compresses=bool(bases),
        local=issubclass(storage_class, FileSystemStorage),
        whitenoise_storages=bases,
        whitenoise_settings=settings,
        **extra,
    )


# Checks -------------------------------------------------------------------------------------------


def w002(setting: IgnoredSetting) -> Warning:
    return Warning(
        f"{setting.name} = {setting.value!r} is ignored since Django 5.1.",
        hint=f'Move it to STORAGES = {{"{setting.storages_key}": {{"BACKEND": "{setting.value}"}}, ...}}.',
        id="deploy_static.W002",
    )


def check_removed_storage_settings(facts: Facts) -> list[CheckMessage]:
    return [w002(setting) for setting in facts.ignored_settings]


def i010(backend: str) -> Info:
    return Info(
        f"Static storage {backend} does not hash file names: no cache busting.",
        hint=f'Use STORAGES["staticfiles"] = {{"BACKEND": "{RECOMMENDED_STORAGE}"}}.',
        id="deploy_static.I010",
    )


def check_hashing_storage(facts: Facts) -> list[CheckMessage]:
    storage = facts.storage
    if not facts.staticfiles_installed or not storage.configured or storage.import_error or storage.hashes:
        return []
    # An ignored STATICFILES_STORAGE is the root cause; W002 already names it. A plain storage
    # named in STORAGES, or beside django-compressor (which hashes its own output), is a choice.
    if any(setting.storages_key == "staticfiles" for setting in facts.ignored_settings) or storage.chosen or storage.compressor:
        return []
    return [i010(facts.staticfiles_storage)]


def e034(fields: tuple[str, ...]) -> Error:
    more = f" and {len(fields) - 1} more" if len(fields) > 1 else ""
    return Error(
        f'STORAGES has no "default" entry, and {fields[0]}{more} uses the default storage.',
        hint=f'Add "default": {{"BACKEND": "{DEFAULT_FILE_STORAGE}"}}, or the first upload raises InvalidStorageError.',
        obj="STORAGES",
        id="deploy_static.E034",
    )


W035 = Warning(
    'STORAGES has no "default" entry: default_storage raises InvalidStorageError.',
    hint=f'Add "default": {{"BACKEND": "{DEFAULT_FILE_STORAGE}"}}; an app that stores a file fails without it.',
    obj="STORAGES",
    id="deploy_static.W035",
)


def check_default_storage(facts: Facts) -> list[CheckMessage]:
    storage = facts.storage
    if not storage.default_missing:
        return []
    return [e034(storage.default_storage_fields)] if storage.default_storage_fields else [W035]


def e011(backend: str, error: str) -> Error:
    return Error(
        f'STORAGES["staticfiles"] backend {backend!r} cannot be imported: {error}.',
        hint="Install its package (and list it in your requirements) or fix the dotted path.",
        id="deploy_static.E011",
    )


def check_storage_importable(facts: Facts) -> list[CheckMessage]:
    error = facts.storage.import_error
    return [e011(facts.staticfiles_storage, error)] if facts.staticfiles_installed and error else []


def w015(name: str, value: str, backend: str) -> Warning:
    return Warning(
        f"{name} = {value} has no effect with storage {backend}.",
        hint=f'It is read by WhiteNoise\'s storages only: use STORAGES["staticfiles"] = {{"BACKEND": "{RECOMMENDED_STORAGE}"}}.',
        id="deploy_static.W015",
    )


def check_whitenoise_storage_settings(facts: Facts) -> list[CheckMessage]:
    storage = facts.storage
    if storage.import_error or not facts.staticfiles_installed:
        return []
    return [
        w015(name, value, facts.staticfiles_storage)
        for name, value in storage.whitenoise_settings
        if not set(WHITENOISE_STORAGE_SETTINGS[name]) & set(storage.whitenoise_storages)
    ]


CHECKS = (
    check_removed_storage_settings,
    check_storage_importable,
    check_hashing_storage,
    check_whitenoise_storage_settings,
    check_default_storage,
)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts, deployment: Plan | None = None) -> list[Step]:
    deployment = deployment or for_platform(facts.platform.name)
    storage = facts.storage
    if not facts.staticfiles_installed or (storage.hashes and not storage.import_error and not facts.ignored_settings):
        return []
    detail = (
        "A manifest storage gives each file a copy whose name carries a hash of its content (css/site.3f2a1b.css): "
        "browsers may then cache files forever, and a changed file gets a new name, so they fetch it again."
        + (" WhiteNoise's storage also compresses them." if deployment.static_server == "whitenoise" else "")
    )
    removed = facts.ignored_settings
    if removed:
        names = " and ".join(f"{setting.name} = {setting.value!r}" for setting in removed)
        detail = f"Delete {names}: Django 5.1 removed {'them' if len(removed) > 1 else 'it'} and ignores it silently. " + detail
    code = deployment.snippet("STORAGES")
    default_setting = next((setting for setting in removed if setting.storages_key == "default"), None)
    if default_setting is not None:
        code = code.replace(DEFAULT_FILE_STORAGE, default_setting.value)
    return [Step("Use a compressing manifest storage, through STORAGES.", detail, code, "python")]


def storage_fact(facts: Facts) -> Fact:
    stored = facts.storage
    if not stored.configured:
        return Fact("Storage in effect", 'none: STORAGES has no "staticfiles" entry', False)
    if stored.import_error:
        return Fact("Storage in effect", f"{facts.staticfiles_storage} (cannot be imported: {stored.import_error})", False)
    traits = ["hashed names" if stored.hashes else "plain names, no cache busting"]
    traits += ["manifest " + (stored.manifest_name or "")] if stored.manifest else []
    traits += ["compressed" if stored.compresses else "not compressed"]
    return Fact("Storage in effect", f"{facts.staticfiles_storage} ({', '.join(traits)})", stored.hashes)


def found(facts: Facts) -> list[Fact]:
    ignored = [Fact(f"{setting.name} (ignored since Django 5.1)", setting.value, False) for setting in facts.ignored_settings]
    return [storage_fact(facts), *ignored]
