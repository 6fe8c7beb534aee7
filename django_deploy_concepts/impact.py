"""What each finding does to the site, on one scale from "does not start" to "advice".

Docs: docs/json.rst (the ``impact`` field). Django's check levels stay as they are for the check
framework; the impact orders the report, decides a concern's status and fills the summary.
Every check id of this app and every Django id a concern claims has its row in ``IMPACTS``
(tests/test_impact.py keeps them in step with the code).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class Impact:
    # 1 (the site does not start) to 8 (advice): the order of the report.
    rank: int
    # The stable name JSON uses.
    key: str
    # How the report names the class, in a sentence and in a status count.
    title: str
    short: str


DOES_NOT_START = Impact(1, "does_not_start", "The site does not start", "does not start")
EVERY_REQUEST_FAILS = Impact(2, "every_request_fails", "Every request fails", "every request fails")
PART_FAILS = Impact(3, "part_fails", "Part of the site fails", "part of the site fails")
LOOKS_BROKEN = Impact(4, "looks_broken", "The site looks broken", "looks broken")
DATA_LOST = Impact(5, "data_lost", "Data is lost at the next deploy or restart", "data lost")
ERRORS_UNHEARD = Impact(6, "errors_unheard", "Nobody hears about errors", "errors unheard")
HARDENING = Impact(7, "hardening", "Security hardening", "hardening")
ADVICE = Impact(8, "advice", "Advice", "advice")

SCALE: tuple[Impact, ...] = (
    DOES_NOT_START,
    EVERY_REQUEST_FAILS,
    PART_FAILS,
    LOOKS_BROKEN,
    DATA_LOST,
    ERRORS_UNHEARD,
    HARDENING,
    ADVICE,
)
BY_KEY: Mapping[str, Impact] = {impact.key: impact for impact in SCALE}
# A concern is ready only when nothing of these classes is left in it.
BLOCKING: frozenset[str] = frozenset(impact.key for impact in SCALE[:5])
# What "Fix these first" must show within its first lines on a project with one mistake.
VISIBLE: frozenset[str] = frozenset(impact.key for impact in SCALE[:4])


@dataclasses.dataclass(frozen=True)
class Effect:
    impact: Impact
    # What a visitor, the build or the log shows, quoted as it appears.
    shows: str
    # The fix, for Django's own messages, which often carry no hint.
    fix: str = ""


def e(impact: Impact, shows: str, fix: str = "") -> Effect:
    return Effect(impact, shows, fix)


BAD_REQUEST = 'every page: "Bad Request (400)"; the log: "Invalid HTTP_HOST header"'
SERVER_ERROR = 'the page: "Server Error (500)"'
STATIC_404 = "pages without their CSS, JavaScript and images (404 for each file)"
BUILD_FAILS = "the build or the first request stops with this error"
NO_MAIL = "nothing: server errors reach nobody"

# Row per id: its impact and what a visitor or the log shows. The concern's E000 (our own bug) is
# looked up by label.
IMPACTS: Mapping[str, Effect] = {
    # Static files -------------------------------------------------------------------------------
    "deploy_static.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "deploy_static.E001": e(
        LOOKS_BROKEN,
        'collectstatic: "You\'re using the staticfiles app without having set the STATIC_ROOT setting to a filesystem path."',
    ),
    "deploy_static.W002": e(ADVICE, "the storage you chose is never used: no hashed names, no compression"),
    "deploy_static.E003": e(LOOKS_BROKEN, STATIC_404),
    "deploy_static.I004": e(ADVICE, "other middleware runs (and may fail) for every static file"),
    "deploy_static.E005": e(DOES_NOT_START, 'collectstatic: "The STATICFILES_DIRS setting should not contain the STATIC_ROOT setting."'),
    "deploy_static.E006": e(DATA_LOST, "collectstatic --clear deletes uploads, or uploads overwrite static files"),
    "deploy_static.E007": e(DOES_NOT_START, '"ImproperlyConfigured: The MEDIA_URL and STATIC_URL settings must have different values"'),
    "deploy_static.E008": e(LOOKS_BROKEN, "collectstatic copies STATIC_ROOT into itself"),
    "deploy_static.E009": e(
        PART_FAILS, '"ImproperlyConfigured: You\'re using the staticfiles app without having set the required STATIC_URL setting."'
    ),
    "deploy_static.I010": e(ADVICE, "browsers keep old CSS and JavaScript after a deploy"),
    "deploy_static.E011": e(DOES_NOT_START, '"ModuleNotFoundError" or "ImportError" at collectstatic'),
    "deploy_static.I013": e(ADVICE, "runserver serves static files itself, unlike production"),
    "deploy_static.W014": e(HARDENING, "WhiteNoise serves your source folders, not the collected files"),
    "deploy_static.W015": e(ADVICE, "a WhiteNoise setting that changes nothing"),
    "deploy_static.W016": e(PART_FAILS, "uploads: 404 once DEBUG is off"),
    "deploy_static.E017": e(DOES_NOT_START, "collectstatic stops with this error"),
    "deploy_static.E018": e(DOES_NOT_START, "collectstatic stops at this file"),
    "deploy_static.I019": e(LOOKS_BROKEN, "one app's page gets the other app's file"),
    "deploy_static.E020": e(PART_FAILS, 'pages using it: "Server Error (500)", "ValueError: Missing staticfiles manifest entry"'),
    "deploy_static.W021": e(PART_FAILS, "a template whose {% static %} cannot be checked or rendered"),
    "deploy_static.E022": e(DOES_NOT_START, "collectstatic: \"The file '...' could not be found\" (post-processing stops)"),
    "deploy_static.E023": e(DOES_NOT_START, 'collectstatic: "UnicodeDecodeError" (post-processing stops)'),
    "deploy_static.E024": e(DOES_NOT_START, "collectstatic cannot write into STATIC_ROOT"),
    "deploy_static.W025": e(PART_FAILS, 'every page: "ValueError: Missing staticfiles manifest entry"'),
    "deploy_static.I026": e(ADVICE, "old files served until collectstatic runs again"),
    "deploy_static.W027": e(ADVICE, "collected files in git: stale copies and noisy diffs"),
    "deploy_static.I028": e(ADVICE, "nothing yet: collectstatic has not run on this machine"),
    "deploy_static.E030": e(DOES_NOT_START, "Django stops on this setting"),
    "deploy_static.W031": e(LOOKS_BROKEN, STATIC_404 + ", unless something outside the repository serves them"),
    "deploy_static.E032": e(EVERY_REQUEST_FAILS, 'every page: "Server Error (500)", "OfflineGenerationError"'),
    "deploy_static.W033": e(EVERY_REQUEST_FAILS, 'every page: "Server Error (500)", "OfflineGenerationError", unless the build compresses'),
    "deploy_static.E034": e(
        PART_FAILS, "the first upload: \"InvalidStorageError: Could not find config for 'default' in settings.STORAGES.\""
    ),
    "deploy_static.W035": e(PART_FAILS, 'an app that stores a file: "InvalidStorageError"'),
    # Database -----------------------------------------------------------------------------------
    "deploy_database.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "deploy_database.E001": e(DOES_NOT_START, '"Error loading psycopg2 or psycopg module" at start-up'),
    "deploy_database.E002": e(DATA_LOST, "every deploy or restart resets the data to what the image holds"),
    "deploy_database.W003": e(EVERY_REQUEST_FAILS, "the platform's database is never used; the site reads a local sqlite file"),
    "deploy_database.E004": e(DOES_NOT_START, '"Scheme \'...\' is unknown" or "ImproperlyConfigured" at start-up'),
    "deploy_database.E005": e(DOES_NOT_START, '"settings.DATABASES is improperly configured. Please supply the ENGINE value."'),
    "deploy_database.E006": e(DATA_LOST, "an empty database after every restart"),
    "deploy_database.W007": e(DATA_LOST, "an empty database in every process"),
    "deploy_database.W008": e(DATA_LOST, "every deploy replaces the data with the committed file"),
    "deploy_database.W009": e(PART_FAILS, 'under load: "OperationalError: database is locked"'),
    "deploy_database.W010": e(PART_FAILS, 'pages that query: "no such table"'),
    "deploy_database.E011": e(EVERY_REQUEST_FAILS, '"OperationalError: could not connect to server" on every page that queries'),
    "deploy_database.W012": e(HARDENING, "passwords and data cross the network in clear text"),
    "deploy_database.W013": e(PART_FAILS, 'pages on those tables: "ProgrammingError: relation ... does not exist" (500)'),
    "deploy_database.W014": e(PART_FAILS, 'pages on those models: "column ... does not exist" (500)'),
    "deploy_database.E015": e(DOES_NOT_START, 'migrate: "Conflicting migrations detected"'),
    "deploy_database.I016": e(ADVICE, "a new database connection for every request"),
    "deploy_database.W017": e(PART_FAILS, 'after the server closes a connection: "connection already closed" (500)'),
    "deploy_database.E018": e(DOES_NOT_START, '"ImproperlyConfigured: Pooling doesn\'t support persistent connections."'),
    "deploy_database.E019": e(DOES_NOT_START, "the pool cannot be created at start-up"),
    "deploy_database.W020": e(ADVICE, "each worker caches on its own: cached pages differ between workers"),
    "deploy_database.W021": e(PART_FAILS, "users logged out at random and at every restart"),
    "deploy_database.W022": e(HARDENING, "database credentials readable by anyone with the code"),
    "deploy_database.E023": e(ADVICE, "this report could not inspect that alias"),
    "deploy_database.E024": e(DOES_NOT_START, 'migrate: "InconsistentMigrationHistory"'),
    "deploy_database.E025": e(DOES_NOT_START, "Django stops on DATABASES"),
    "deploy_database.E027": e(PART_FAILS, 'pages on those tables: "ProgrammingError: relation ... does not exist" (500)'),
    "deploy_database.E026": e(DOES_NOT_START, "migrate stops while loading the migrations"),
    # WSGI server --------------------------------------------------------------------------------
    "deploy_wsgi.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "deploy_wsgi.E001": e(DOES_NOT_START, '"Worker failed to boot" with this error in the log'),
    "deploy_wsgi.E002": e(PART_FAILS, "runserver in production: one process, no hardening, static 404s with DEBUG off"),
    "deploy_wsgi.E003": e(DOES_NOT_START, '"ModuleNotFoundError" and "Worker failed to boot", or the wrong site'),
    "deploy_wsgi.W004": e(ADVICE, "a slow or failing start at every restart; instances race to migrate"),
    "deploy_wsgi.E005": e(DOES_NOT_START, '"Worker failed to boot" in the log'),
    "deploy_wsgi.E006": e(DOES_NOT_START, "the ASGI server cannot import the application"),
    "deploy_wsgi.E009": e(DOES_NOT_START, "gunicorn exits at start-up with this error"),
    "deploy_wsgi.E010": e(DOES_NOT_START, 'the platform: "failed to bind to $PORT" / "connection refused", then 502 or 503'),
    "deploy_wsgi.W011": e(PART_FAILS, "one slow request makes everyone else wait (or time out)"),
    "deploy_wsgi.E012": e(DOES_NOT_START, "the platform cannot read its start command"),
    "deploy_wsgi.W013": e(PART_FAILS, "websocket connections fail (404 or closed at once)"),
    "deploy_wsgi.E014": e(DOES_NOT_START, "the server gets '$PORT' literally and exits"),
    "deploy_wsgi.W015": e(DOES_NOT_START, '"[CRITICAL] WORKER TIMEOUT (pid:N)" while the workers boot; the site never answers'),
    "deploy_wsgi.W016": e(ADVICE, "a thread left running: workers may hang at restart"),
    "deploy_wsgi.I017": e(ADVICE, "nothing: this report did not load the application"),
    "deploy_wsgi.W018": e(PART_FAILS, "runserver in production, if that file or branch is production's: one process, static 404s"),
    "deploy_wsgi.E019": e(
        DOES_NOT_START, "the container starts python3 with no terminal and exits at once; the platform restarts it in a loop"
    ),
    "deploy_wsgi.E020": e(DOES_NOT_START, 'the platform: no web process runs; every visit: "Application error" or 503'),
    "deploy_wsgi.W021": e(DOES_NOT_START, "no web process runs unless the dashboard sets a start command"),
    # Web server ---------------------------------------------------------------------------------
    "deploy_webserver.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "deploy_webserver.E001": e(EVERY_REQUEST_FAILS, 'every page: "ERR_TOO_MANY_REDIRECTS" (a redirect loop)'),
    "deploy_webserver.E002": e(EVERY_REQUEST_FAILS, BAD_REQUEST),
    "deploy_webserver.W003": e(DATA_LOST, "uploads disappear at the next deploy or restart (then 404)"),
    "deploy_webserver.E004": e(PART_FAILS, 'forms: "Forbidden (403) CSRF verification failed. Origin checking failed"'),
    "deploy_webserver.W005": e(HARDENING, "any client can claim https"),
    "deploy_webserver.E006": e(
        EVERY_REQUEST_FAILS, SERVER_ERROR + ': "ImproperlyConfigured: The SECURE_PROXY_SSL_HEADER setting must be a tuple"'
    ),
    "deploy_webserver.E007": e(PART_FAILS, "Django never sees https: secure cookies and CSRF fail"),
    "deploy_webserver.W008": e(HARDENING, "a client can choose the host Django builds links with"),
    "deploy_webserver.E009": e(EVERY_REQUEST_FAILS, BAD_REQUEST),
    "deploy_webserver.W010": e(PART_FAILS, 'larger uploads: "413 Request Entity Too Large"'),
    "deploy_webserver.W011": e(PART_FAILS, 'uploads: "SuspiciousFileOperation" or files under the wrong folder'),
    "deploy_webserver.W012": e(PART_FAILS, "every uploaded file: 404"),
    "deploy_webserver.E013": e(EVERY_REQUEST_FAILS, BAD_REQUEST),
    "deploy_webserver.E014": e(EVERY_REQUEST_FAILS, 'every page: "ERR_TOO_MANY_REDIRECTS" (a redirect loop)'),
    "deploy_webserver.E015": e(EVERY_REQUEST_FAILS, 'every page: "ERR_TOO_MANY_REDIRECTS" (a redirect loop)'),
    "deploy_webserver.I016": e(ADVICE, "a redirect loop or not, depending on where the proxy runs"),
    "deploy_webserver.W017": e(PART_FAILS, "every uploaded file: 404, unless something outside the repository serves them"),
    # Settings and operations --------------------------------------------------------------------
    "deploy_checklist.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "deploy_checklist.E001": e(HARDENING, "any error shows your settings and code to the visitor (DEBUG is on)"),
    "deploy_checklist.E002": e(DOES_NOT_START, '"ImproperlyConfigured: The SECRET_KEY setting must not be empty."'),
    "deploy_checklist.W003": e(HARDENING, "password-reset links and caches can be poisoned through the Host header"),
    "deploy_checklist.E004": e(EVERY_REQUEST_FAILS, BAD_REQUEST),
    "deploy_checklist.E005": e(DOES_NOT_START, "Python cannot import the settings: SyntaxError"),
    "deploy_checklist.E006": e(HARDENING, "DEBUG is on whatever the variable says"),
    "deploy_checklist.W007": e(HARDENING, "anyone with the code can forge sessions and reset links"),
    "deploy_checklist.W008": e(HARDENING, "a key anyone with the code knows"),
    "deploy_checklist.E009": e(PART_FAILS, "users logged out at random; signed links fail between workers"),
    "deploy_checklist.W010": e(HARDENING, "another app on the shared domain is accepted as yours"),
    "deploy_checklist.W011": e(ERRORS_UNHEARD, NO_MAIL),
    "deploy_checklist.W012": e(ERRORS_UNHEARD, NO_MAIL),
    "deploy_checklist.W013": e(ERRORS_UNHEARD, NO_MAIL),
    "deploy_checklist.W014": e(ERRORS_UNHEARD, "broken-link mail goes to nobody"),
    "deploy_checklist.W015": e(ERRORS_UNHEARD, "error mail rejected as from root@localhost"),
    "deploy_checklist.I016": e(ADVICE, "Django's bare error page"),
    "deploy_checklist.E017": e(PART_FAILS, "an error page that itself fails: a blank 500"),
    "deploy_checklist.E018": e(PART_FAILS, '"ValueError: Missing staticfiles manifest entry" inside the error page'),
    "deploy_checklist.W019": e(ERRORS_UNHEARD, "password-reset and error mail never leave the server"),
    "deploy_checklist.W020": e(ERRORS_UNHEARD, 'mail: "ConnectionRefusedError: [Errno 111] Connection refused"'),
    "deploy_checklist.W021": e(DOES_NOT_START, "the platform does not know it is a Python app, or installs nothing"),
    "deploy_checklist.W022": e(ADVICE, "this report could not read the requirements"),
    "deploy_checklist.E023": e(DOES_NOT_START, '"gunicorn: command not found" at start-up'),
    "deploy_checklist.E024": e(DOES_NOT_START, '"Error loading psycopg2 or psycopg module" at start-up'),
    "deploy_checklist.E025": e(DOES_NOT_START, "\"ModuleNotFoundError: No module named 'whitenoise'\" at start-up"),
    "deploy_checklist.E026": e(DOES_NOT_START, "\"ModuleNotFoundError: No module named 'dj_database_url'\" at start-up"),
    "deploy_checklist.W027": e(ADVICE, "a Django that is not meant for production"),
    "deploy_checklist.E028": e(DOES_NOT_START, 'pip: "No matching distribution found for Django" in the build'),
    "deploy_checklist.E031": e(ADVICE, "a DEPLOY_CONCEPTS value this report ignores"),
    "deploy_checklist.W032": e(PART_FAILS, "users logged out at random wherever the key's variable is unset"),
    "deploy_checklist.W033": e(HARDENING, "the site runs with development settings (DEBUG on) where the variable is unset"),
    "deploy_checklist.W037": e(ERRORS_UNHEARD, "when mail fails: an empty reply or 502 instead of the 500 page"),
    "deploy_checklist.W029": e(ADVICE, "a Python version Django is not tested with"),
    "deploy_checklist.I030": e(ADVICE, "nothing"),
    "deploy_checklist.I034": e(ADVICE, "nothing known: other requirement files may or may not be installed"),
    "deploy_checklist.E035": e(DOES_NOT_START, '"ModuleNotFoundError" at start-up for a module the settings name'),
    "deploy_checklist.W036": e(DOES_NOT_START, '"ModuleNotFoundError" at start-up, if production installs only that file'),
    # The rehearsal (rehearse_deploy): what really happened when the project ran in production mode.
    "deploy_rehearsal.E001": e(DOES_NOT_START, "collectstatic failed in the rehearsal's build"),
    "deploy_rehearsal.E002": e(EVERY_REQUEST_FAILS, 'offline compression failed: pages fail with "OfflineGenerationError"'),
    "deploy_rehearsal.E003": e(DOES_NOT_START, "the server did not start in the rehearsal"),
    "deploy_rehearsal.E004": e(PART_FAILS, 'a page answered "Server Error (500)" in the rehearsal'),
    "deploy_rehearsal.E005": e(EVERY_REQUEST_FAILS, BAD_REQUEST),
    "deploy_rehearsal.E006": e(EVERY_REQUEST_FAILS, 'the browser: "ERR_TOO_MANY_REDIRECTS" (a redirect loop)'),
    "deploy_rehearsal.E007": e(PART_FAILS, 'forms: "Forbidden (403)"'),
    "deploy_rehearsal.E008": e(LOOKS_BROKEN, "a referenced static file answered 404 in the rehearsal"),
    "deploy_rehearsal.E009": e(PART_FAILS, "an existing uploaded file answered 404 in the rehearsal"),
    "deploy_rehearsal.E010": e(HARDENING, "Django's DEBUG page, with your settings, to every visitor"),
    "deploy_rehearsal.W011": e(ADVICE, "not rehearsed: the page needs a writable database"),
    "deploy_rehearsal.E012": e(EVERY_REQUEST_FAILS, "no answer: a 502 or a timeout"),
    "deploy_rehearsal.E013": e(PART_FAILS, 'larger uploads: "413 Request Entity Too Large"'),
    "deploy_rehearsal.W014": e(ADVICE, "the rehearsal ran out of time; the rest was not tried"),
    "deploy_rehearsal.W015": e(ADVICE, "not rehearsed: the page calls a service outside this machine"),
    "deploy_rehearsal.E016": e(DOES_NOT_START, "migrate failed in the release step"),
    "deploy_rehearsal.W017": e(ADVICE, "a stage was not rehearsed"),
    "deploy_rehearsal.E018": e(DOES_NOT_START, "a build step the platform runs (compilescss) failed in the rehearsal's build"),
    # Django's own checks that the concerns claim ------------------------------------------------
    "deploy_concepts.E000": e(PART_FAILS, "this report misses part of its inspection"),
    "staticfiles.E001": e(DOES_NOT_START, '"The STATICFILES_DIRS setting is not a tuple or list."'),
    "staticfiles.E002": e(DOES_NOT_START, '"The STATICFILES_DIRS setting should not contain the STATIC_ROOT setting."'),
    "staticfiles.E003": e(DOES_NOT_START, "collectstatic stops on STATICFILES_DIRS"),
    "staticfiles.W004": e(ADVICE, "a STATICFILES_DIRS folder that does not exist"),
    "staticfiles.E005": e(DOES_NOT_START, "\"InvalidStorageError: Could not find config for 'staticfiles' in settings.STORAGES.\""),
    "staticfiles.": e(DOES_NOT_START, "collectstatic stops on this setting"),
    "caches.W002": e(DATA_LOST, "the file cache is under a folder collectstatic or media uses"),
    "database.": e(PART_FAILS, "database errors on some pages"),
    "mysql.": e(PART_FAILS, "data silently truncated or rejected by MySQL"),
    "postgres.": e(DOES_NOT_START, "Django stops on the PostgreSQL configuration"),
    "sqlite3.": e(PART_FAILS, "sqlite errors on some pages"),
    "models.W042": e(ADVICE, "an implicit primary key type"),
    "async.": e(DOES_NOT_START, "Django stops: this setting breaks under an event loop"),
    "mail.": e(ERRORS_UNHEARD, "mail fails to send"),
    "security.W001": e(
        HARDENING,
        "no security headers (SecurityMiddleware is missing)",
        'Add "django.middleware.security.SecurityMiddleware" at the top of MIDDLEWARE.',
    ),
    "security.W002": e(
        HARDENING,
        "pages can be framed by other sites (clickjacking)",
        'Add "django.middleware.clickjacking.XFrameOptionsMiddleware" to MIDDLEWARE.',
    ),
    "security.W003": e(PART_FAILS, "forms have no CSRF protection", 'Add "django.middleware.csrf.CsrfViewMiddleware" to MIDDLEWARE.'),
    "security.W004": e(
        HARDENING,
        "browsers may still try plain http first (no HSTS)",
        "Set SECURE_HSTS_SECONDS = 0 if DEBUG else 3600 once every page works over https.",
    ),
    "security.W005": e(
        HARDENING,
        "subdomains are not covered by HSTS",
        "Set SECURE_HSTS_INCLUDE_SUBDOMAINS = True if every subdomain serves https (a policy choice).",
    ),
    "security.W006": e(HARDENING, "browsers may guess content types (nosniff missing)", "Set SECURE_CONTENT_TYPE_NOSNIFF = True."),
    "security.W008": e(
        HARDENING,
        "plain http pages are served and not redirected",
        "Set SECURE_SSL_REDIRECT = not DEBUG (behind a proxy, with SECURE_PROXY_SSL_HEADER).",
    ),
    "security.W009": e(
        HARDENING, "a weak or published SECRET_KEY", "Generate a new key and read it from the environment (see explain_checklist)."
    ),
    "security.W010": e(HARDENING, "the session cookie may travel over plain http", "Set SESSION_COOKIE_SECURE = not DEBUG."),
    "security.W011": e(HARDENING, "the session cookie may travel over plain http", "Set SESSION_COOKIE_SECURE = not DEBUG."),
    "security.W012": e(HARDENING, "the session cookie may travel over plain http", "Set SESSION_COOKIE_SECURE = not DEBUG."),
    "security.W013": e(HARDENING, "the session cookie is readable by scripts", "Set SESSION_COOKIE_HTTPONLY = True."),
    "security.W014": e(HARDENING, "the session cookie is readable by scripts", "Set SESSION_COOKIE_HTTPONLY = True."),
    "security.W015": e(HARDENING, "the session cookie is readable by scripts", "Set SESSION_COOKIE_HTTPONLY = True."),
    "security.W016": e(HARDENING, "the CSRF cookie may travel over plain http", "Set CSRF_COOKIE_SECURE = not DEBUG."),
    "security.W017": e(HARDENING, "the CSRF cookie is readable by scripts", "Set CSRF_COOKIE_HTTPONLY = True."),
    "security.W018": e(
        HARDENING,
        "any error shows your settings and code to the visitor (DEBUG is on)",
        'Read DEBUG from the environment: DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1".',
    ),
    "security.W019": e(HARDENING, "pages can be framed by other sites", 'Set X_FRAME_OPTIONS = "DENY".'),
    "security.W020": e(EVERY_REQUEST_FAILS, BAD_REQUEST, "List the public hostname in ALLOWED_HOSTS (see explain_checklist)."),
    "security.W021": e(
        HARDENING,
        "the site is not on browsers' HSTS preload list",
        "Set SECURE_HSTS_PRELOAD = True only if you mean to submit the site to the preload list (a policy choice).",
    ),
    "security.W022": e(HARDENING, "full URLs leak to other sites in the Referer header", 'Set SECURE_REFERRER_POLICY = "same-origin".'),
    "security.E023": e(EVERY_REQUEST_FAILS, SERVER_ERROR + ": SECURE_REFERRER_POLICY has an invalid value"),
    "security.E024": e(EVERY_REQUEST_FAILS, SERVER_ERROR + ": SECURE_CROSS_ORIGIN_OPENER_POLICY has an invalid value"),
    "security.W025": e(HARDENING, "a weak SECRET_KEY_FALLBACKS entry", "Replace the weak SECRET_KEY_FALLBACKS entry."),
    "4_0.E001": e(PART_FAILS, 'forms: "Forbidden (403) CSRF verification failed"'),
}

# Where one id words two situations with different effects: (words of the message, effect), first match wins.
VARIANTS: Mapping[str, tuple[tuple[str, Effect], ...]] = {
    # "lists no WSGI server such as gunicorn": nothing starts one yet (runserver, or no start command); the
    # start command's own finding leads, and gunicorn is part of its fix.
    "deploy_checklist.E023": (("lists no WSGI server", e(ADVICE, "nothing yet: the start command does not run gunicorn")),),
}

# Ids no row names: the level decides, the strictest reading of an unknown check being "part fails".
BY_LEVEL: Mapping[str, Impact] = {
    "critical": DOES_NOT_START,
    "error": PART_FAILS,
    "warning": HARDENING,
    "info": ADVICE,
    "debug": ADVICE,
}


def effect_of(check_id: str, level: str, msg: str = "") -> Effect:
    """The row for ``check_id``: a variant its message matches, exact, then by the longest claimed prefix, then by its level."""
    for words, effect in VARIANTS.get(check_id, ()):
        if words in msg:
            return effect
    if check_id in IMPACTS:
        return IMPACTS[check_id]
    if check_id.endswith(".E000"):
        return IMPACTS["deploy_concepts.E000"]
    prefixes = [key for key in IMPACTS if key.endswith(".") and check_id.startswith(key)]
    if prefixes:
        return IMPACTS[max(prefixes, key=len)]
    return Effect(BY_LEVEL.get(level, ADVICE), "")
