"""Static files' facts: what was read from the project, no judgement. A leaf: dataclasses only."""

from __future__ import annotations

import dataclasses

from django_deploy_concepts.platforms import Platform


@dataclasses.dataclass(frozen=True)
class Folder:
    """A folder as configured, made absolute as Django does, and with symbolic links resolved."""

    configured: str
    absolute: str
    real: str
    # The app whose static/ folder this is, or the STATICFILES_DIRS prefix.
    owner: str = ""


@dataclasses.dataclass(frozen=True)
class LocationFacts:
    static_root: Folder | None = None
    media_url: str | None = None
    media_root: Folder | None = None
    staticfiles_dirs: tuple[Folder, ...] = ()
    app_static_dirs: tuple[Folder, ...] = ()
    # Shown as the project knows them: relative to BASE_DIR when inside it.
    static_root_display: str | None = None
    # STATIC_ROOT set to something that is not a path (42, a list): its repr and type, capped.
    static_root_not_a_path: str | None = None


@dataclasses.dataclass(frozen=True)
class IgnoredSetting:
    name: str
    value: str
    storages_key: str


@dataclasses.dataclass(frozen=True)
class StorageFacts:
    # False when STORAGES lacks a "staticfiles" entry (Django's staticfiles.E005).
    configured: bool = True
    import_error: str | None = None
    # Names carry a content hash (HashedFilesMixin): browsers may cache them forever.
    hashes: bool = False
    # A manifest (staticfiles.json) maps names to hashed names; a name missing from it is a ValueError.
    manifest: bool = False
    manifest_name: str | None = None
    manifest_strict: bool = True
    # WhiteNoise writes .gz (and .br) beside each file it can compress.
    compresses: bool = False
    # The files land in STATIC_ROOT on this disk (FileSystemStorage), not in a bucket.
    local: bool = True
    # The WhiteNoise storages this backend is or inherits from.
    whitenoise_storages: tuple[str, ...] = ()
    # WhiteNoise storage settings the project sets, with their values.
    whitenoise_settings: tuple[tuple[str, str], ...] = ()
    # The project's STORAGES sets a "staticfiles" backend itself: a plain one is a choice.
    chosen: bool = False
    # django-compressor is installed: it hashes what it compresses itself.
    compressor: bool = False
    # STORAGES is set but has no "default" entry; and the model file fields that use the default storage.
    default_missing: bool = False
    default_storage_fields: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ServePattern:
    route: str
    view: str
    document_root: str | None
    # "static", "media" or "files": what the pattern serves, judged by its folder and prefix.
    serves: str


@dataclasses.dataclass(frozen=True)
class ServingFacts:
    runserver_nostatic_index: int | None = None
    staticfiles_app_index: int | None = None
    development_settings: tuple[tuple[str, str], ...] = ()
    # The Cache-Control header WhiteNoise sends in production for hashed and for other files.
    cache_control_hashed: str | None = None
    cache_control_other: str | None = None
    urlconf: str | None = None
    serve_patterns: tuple[ServePattern, ...] = ()
    # "file:line /prefix" of each location a platform's router or a web server config in the
    # project serves STATIC_URL from (.platform.app.yaml web.locations, app.yaml static_dir, nginx).
    served_elsewhere: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class SourceSummary:
    source: str
    # "app" (an app's static/ folder), "directory" (a STATICFILES_DIRS entry) or "finder" (a custom one).
    kind: str
    files: int
    bytes: int


@dataclasses.dataclass(frozen=True)
class StaticFile:
    path: str
    source: str
    bytes: int


@dataclasses.dataclass(frozen=True)
class ShadowedPath:
    path: str
    winner: str
    hidden: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class UnreadableFile:
    path: str
    source: str
    reason: str


@dataclasses.dataclass(frozen=True)
class FinderFailure:
    finder: str
    source: str | None
    error: str


@dataclasses.dataclass(frozen=True)
class SourceFacts:
    finders: tuple[str, ...] = ()
    # Files collectstatic would copy (the first of each path), and their total size.
    files: int = 0
    bytes: int = 0
    sources: tuple[SourceSummary, ...] = ()
    largest: tuple[StaticFile, ...] = ()
    shadowed: tuple[ShadowedPath, ...] = ()
    shadowed_count: int = 0
    unreadable: tuple[UnreadableFile, ...] = ()
    unreadable_count: int = 0
    failures: tuple[FinderFailure, ...] = ()
    truncated: bool = False


@dataclasses.dataclass(frozen=True)
class TemplateReference:
    template: str
    line: int
    path: str
    suggestion: str | None


@dataclasses.dataclass(frozen=True)
class TemplateProblem:
    template: str
    line: int | None
    problem: str
    # "syntax" (rendering raises TemplateSyntaxError), "encoding", "unreadable" or "engine".
    kind: str


@dataclasses.dataclass(frozen=True)
class TemplateFacts:
    engines: tuple[str, ...] = ()
    directories: int = 0
    templates: int = 0
    # {% static %} tags (and Jinja2 static() calls); those with a literal path are checked.
    references: int = 0
    verified: int = 0
    # Built from variables or filters: only rendering would tell the path.
    unverifiable: int = 0
    missing: tuple[TemplateReference, ...] = ()
    missing_count: int = 0
    problems: tuple[TemplateProblem, ...] = ()
    problems_count: int = 0
    truncated: bool = False
    # Templates over MAX_TEMPLATE_BYTES: Django's loaders read them, this inspection does not.
    not_scanned: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class BrokenReference:
    file: str
    line: int
    reference: str
    # The static path the reference resolves to, as collectstatic looks it up.
    resolved: str
    suggestion: str | None


@dataclasses.dataclass(frozen=True)
class StylesheetFacts:
    # The storage class whose patterns were used: the configured one when it hashes names.
    patterns_from: str = ""
    files: int = 0
    references: int = 0
    verified: int = 0
    # Data URIs, absolute URLs, fragments, and (Django 6.1+) references inside comments or strings.
    ignored: int = 0
    missing: tuple[BrokenReference, ...] = ()
    missing_count: int = 0
    # Files the post-processing must decode as UTF-8 but cannot.
    undecodable: tuple[str, ...] = ()
    undecodable_count: int = 0
    # Files that could not be read at all, with the reason.
    unread: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class CollectedFacts:
    # "not set", "remote storage", "absent", "not a directory", "unreadable", "empty" or "collected".
    state: str = "not set"
    error: str | None = None
    # "not used" (no manifest storage), "present", "absent" or "invalid".
    manifest: str = "not used"
    manifest_entries: int = 0
    manifest_error: str | None = None
    # Source files with no copy in STATIC_ROOT, and those changed since they were collected.
    missing: int = 0
    missing_sample: tuple[str, ...] = ()
    newer: int = 0
    newer_sample: tuple[str, ...] = ()
    # "ignored", "not ignored", "committed", "outside the repository", "no repository" or "unknown".
    vcs: str = "unknown"
    vcs_detail: str = ""
    tracked_files: int = 0
    # STATIC_ROOT relative to the repository root, as .gitignore and git name it.
    repository_path: str = ""


@dataclasses.dataclass(frozen=True)
class CompressionFacts:
    # Files whose extension WhiteNoise compresses, and their total size.
    text_files: int = 0
    text_bytes: int = 0
    sampled_files: int = 0
    sampled_bytes: int = 0
    # Estimated total size of those files once compressed (None: not estimated).
    gzip_bytes: int | None = None
    brotli_bytes: int | None = None
    brotli_available: bool = False


@dataclasses.dataclass(frozen=True)
class OfflineTool:
    """One tool that needs a management command run before the site serves pages."""

    app: str
    setting: str
    command: str
    # What a visitor sees without it.
    failure: str


@dataclasses.dataclass(frozen=True)
class OfflineFacts:
    # The tools whose offline step the settings ask for.
    tools: tuple[OfflineTool, ...] = ()
    # Files read for build steps, relative to the project or repository root.
    build_files: tuple[str, ...] = ()
    # "file:line" of each command found, by command name ("compress", "compilescss").
    steps: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Facts:
    staticfiles_installed: bool
    debug: bool
    static_url: str | None
    static_root: str | None
    staticfiles_storage: str
    ignored_settings: tuple[IgnoredSetting, ...]
    middleware: tuple[str, ...]
    whitenoise_index: int | None
    security_index: int | None
    # The detected or declared platform's row of platforms.PLATFORMS.
    platform: Platform
    # Settings or code of the project that could not be read (each a finding, E030).
    errors: tuple[str, ...]
    locations: LocationFacts = dataclasses.field(default_factory=LocationFacts)
    storage: StorageFacts = dataclasses.field(default_factory=StorageFacts)
    serving: ServingFacts = dataclasses.field(default_factory=ServingFacts)
    sources: SourceFacts = dataclasses.field(default_factory=SourceFacts)
    templates: TemplateFacts = dataclasses.field(default_factory=TemplateFacts)
    stylesheets: StylesheetFacts = dataclasses.field(default_factory=StylesheetFacts)
    collected: CollectedFacts = dataclasses.field(default_factory=CollectedFacts)
    compression: CompressionFacts = dataclasses.field(default_factory=CompressionFacts)
    offline: OfflineFacts = dataclasses.field(default_factory=OfflineFacts)
    # Declared in DEPLOY_CONCEPTS['static_served_by'] (or --static-served-by), or None.
    static_served_by: str | None = None
    # Parts of this inspection that failed unexpectedly (a bug here, E000); the rest still ran.
    failures: tuple[str, ...] = ()
