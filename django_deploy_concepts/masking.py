"""Keep secrets out of every output: mask values at collection, and scrub known secrets at the end.

Two layers on purpose: concerns mask what they collect (``mask_url``, ``MASK``), and the
command scrubs every string of the final report against the secret values this run knows of,
so a value that slipped into an exception message or a path is still never printed.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from django.conf import settings
from django.utils.functional import LazyObject, Promise, empty

from django_deploy_concepts.helpers import map_strings

MASK = "********"

# Shorter values are too likely to occur in ordinary text ("db", "1") to be scrubbed safely;
# environment variables are many and often hold flags ("true"), so they need longer values.
MIN_SECRET_LENGTH = 4
MIN_ENVIRON_SECRET_LENGTH = 8

# Names of environment variables that hold secrets; setting names come from Django's exception
# reporter filter (``hidden_settings``), which honours the project's own DEFAULT_EXCEPTION_REPORTER_FILTER.
SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE|SIGNATURE|DSN", re.IGNORECASE)
# Names that match SECRET_NAME but hold nothing secret.
NOT_SECRET_NAMES = frozenset(
    {
        "AUTH_USER_MODEL",
        "AUTHENTICATION_BACKENDS",
        "AUTH_PASSWORD_VALIDATORS",
        "PASSWORD_HASHERS",
        "PASSWORD_RESET_TIMEOUT",
        "CACHE_MIDDLEWARE_KEY_PREFIX",
        "SSH_AUTH_SOCK",
        "XAUTHORITY",
    }
)
# An environment value shaped like a credential whatever its variable is called (STRIPE_LIVE=sk_live_...):
# one long word with at least four digits, or with upper case, lower case and digits mixed. Host
# names, paths, URLs and module names (webserver_e2e_settings) do not look like that.
CREDENTIAL_WORD = re.compile(r"[A-Za-z0-9_\-+=]{16,}")


def looks_like_credential(value: str) -> bool:
    value = value.strip()
    if not CREDENTIAL_WORD.fullmatch(value):
        return False
    digits = sum(character.isdigit() for character in value)
    mixed = any(character.isupper() for character in value) and any(character.islower() for character in value)
    return digits >= 4 or (mixed and digits > 0)


# Containers are searched for secrets at most this deep.
MAX_DEPTH = 6

# The password runs to the last "@" of the URL, as Python's urlsplit reads it: an unencoded "@" in a
# password ("user:p@ss@host") must not leave "ss" visible.
URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<password>[^\s]*?)@(?=[^@\s]*(?:\s|$))")


def is_secret_name(name: str) -> bool:
    return name not in NOT_SECRET_NAMES and bool(SECRET_NAME.search(name))


def hidden_settings() -> re.Pattern[str]:
    """The names Django's error pages hide (``SafeExceptionReporterFilter.hidden_settings``, or the project's filter's)."""
    from django.views.debug import SafeExceptionReporterFilter, get_default_exception_reporter_filter

    try:
        pattern = get_default_exception_reporter_filter().hidden_settings
    except Exception:  # noqa: BLE001 - a filter that does not import: Django's own names then
        pattern = SafeExceptionReporterFilter.hidden_settings
    return pattern if isinstance(pattern, re.Pattern) else SafeExceptionReporterFilter.hidden_settings


def is_secret_setting(name: str, hidden: re.Pattern[str]) -> bool:
    return name not in NOT_SECRET_NAMES and bool(hidden.search(name) or SECRET_NAME.search(name))


def unforced(value: object) -> object:
    """``value`` without evaluating it: a lazy object not yet evaluated (and a lazy translation) gives None."""
    if issubclass(type(value), LazyObject):
        # vars(), not attribute access: LazyObject proxies every other attribute to the wrapped value.
        wrapped = vars(value).get("_wrapped", empty)
        return None if wrapped is empty else unforced(wrapped)
    if issubclass(type(value), Promise):
        return None
    return value


def children(value: object) -> list[tuple[object, object]]:
    """(key or None, item) of a plain container, read through the built-in types' own methods (never an override)."""
    value = unforced(value)
    if issubclass(type(value), dict):
        return list(dict.items(cast(dict[object, object], value)))
    for base in (list, tuple, set, frozenset):
        if issubclass(type(value), base):
            iterate: Any = base.__iter__
            return [(None, item) for item in iterate(value)]
    return []


def looks_like_secret(text: str) -> bool:
    """A token's shape: long, no spaces, letters and digits mixed, not a hostname, path or dotted name."""
    return (
        len(text) >= 16
        and not any(char.isspace() for char in text)
        and any(char.isdigit() for char in text)
        and any(char.isalpha() for char in text)
        and len(set(text)) >= 10
        and not text.startswith(("/", "."))
        and DOTTED_NAME.fullmatch(text) is None
    )


# Hostnames, module paths and file names: words joined by dots (a token has no such structure).
DOTTED_NAME = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+")


def mask_url(url: str) -> str:
    """``postgres://user:pw@host/db`` -> ``postgres://user:********@host/db``; other text unchanged."""
    return URL_PASSWORD.sub(lambda match: f"{match['scheme']}{match['user']}:{MASK}@", url)


def url_password(url: str) -> str | None:
    match = URL_PASSWORD.search(url)
    if match is None or not match["password"]:
        return None
    return match["password"]


def host_password(host: str) -> str | None:
    """The password of ``user:password@host`` written into a HOST setting."""
    if "@" not in host or "://" in host:
        return None
    userinfo = host.rpartition("@")[0]
    password = userinfo.partition(":")[2] if ":" in userinfo else userinfo
    return password or None


def mask_host(host: str) -> str:
    """``user:pw@db.example.com`` -> ``user:********@db.example.com``; a plain host unchanged."""
    password = host_password(host)
    if password is None:
        return host
    userinfo, _, rest = host.rpartition("@")
    user = userinfo.partition(":")[0] if ":" in userinfo else ""
    return f"{user}:{MASK}@{rest}" if user else f"{MASK}@{rest}"


def _strings_in(value: object, depth: int = 0) -> Iterable[str]:
    value = unforced(value)
    if issubclass(type(value), str):
        yield str.__str__(cast(str, value))
    elif depth <= MAX_DEPTH:
        for _, item in children(value):
            yield from _strings_in(item, depth + 1)


def _secret_variants(value: str) -> Iterable[str]:
    """Every form the secret takes once printed: as read (with its newline), stripped, quoted by repr()
    and by JSON, percent-encoded (a password in a URL) or decoded."""
    for text in dict.fromkeys((value, value.strip())):
        yield text
        yield repr(text)[1:-1]
        yield json.dumps(text)[1:-1]
        yield json.dumps(text, ensure_ascii=False)[1:-1]
        yield urllib.parse.quote(text, safe="")
        yield urllib.parse.quote_plus(text, safe="")
        yield urllib.parse.unquote(text)


def _secret_values_in(value: object, hidden: re.Pattern[str], depth: int = 0) -> Iterable[object]:
    """Values stored under secret-looking keys anywhere in nested settings (OPTIONS, MAILERS, ...), and HOST passwords."""
    if depth > MAX_DEPTH:
        return
    for key, item in children(value):
        if isinstance(key, str) and is_secret_setting(key, hidden):
            yield item
        elif key == "HOST" and isinstance(unforced(item), str):
            password = host_password(cast(str, unforced(item)))
            if password:
                yield password
        else:
            yield from _secret_values_in(item, hidden, depth + 1)


def raw_settings() -> dict[str, object]:
    """Every upper-case setting, read without LazySettings' side effects (deprecation warnings)
    and without evaluating lazy values: an unevaluated SimpleLazyObject stays unevaluated."""
    if not settings.configured:
        return {}
    # Read raw, past LazySettings: no deprecation warnings, no error for an empty value.
    wrapped = cast(Any, settings)._wrapped
    found: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in dir(wrapped):
            if name.isupper():
                try:
                    found[name] = unforced(getattr(wrapped, name))
                except Exception:  # noqa: BLE001 - one unreadable setting must not stop the masking of others
                    continue
    return found


def known_secrets(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Every secret value this process can see: secret-named settings, passwords, URL passwords,
    and environment values named or shaped like credentials. Lazy settings are not evaluated."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()

    def add(value: object, min_length: int = MIN_SECRET_LENGTH) -> None:
        for text in _strings_in(value):
            for variant in _secret_variants(text):
                if len(variant) >= min_length:
                    found.add(variant)

    try:
        setting_values = raw_settings()
        hidden = hidden_settings()
    except Exception:  # noqa: BLE001 - a broken settings module still needs the environment masked
        setting_values, hidden = {}, re.compile(r"(?!)")
    for name, value in setting_values.items():
        # One setting that cannot be read (a container whose evaluation raises) does not stop the others.
        try:
            if is_secret_setting(name, hidden):
                # The setting itself is the secret; inside a container only what has a secret's key
                # (below) or shape is: hostnames, ports and module names next to it are not.
                plain = unforced(value)
                add(plain if isinstance(plain, str) else [text for text in _strings_in(plain) if looks_like_secret(text)])
            for secret in _secret_values_in(value, hidden):
                add(secret)
            for text in _strings_in(value):
                password = url_password(text)
                if password:
                    add(password)
        except Exception:  # noqa: BLE001 - nothing of it is printed either: it cannot be read
            continue
    for name, value in environ.items():
        if is_secret_name(name) or looks_like_credential(value):
            add(value, MIN_ENVIRON_SECRET_LENGTH)
        password = url_password(value)
        if password:
            add(password)
    return frozenset(found)


def secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for all secrets, longest first so a secret containing another is masked whole.

    A secret counts only where it is not part of a longer word: a password such as "postgres"
    must not turn "postgresql" into nonsense, while "user:postgres@host" is still masked.
    """
    ordered = sorted(set(secrets), key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(secret) for secret in ordered)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


# A quoted value longer than this (a 100 KB url() in a stylesheet) is cut in every message and fact.
MAX_QUOTED = 200
QUOTED_SHOWN = 80
# Each alternative stops at the next quote of its kind, so the search stays linear. A quote that
# touches a letter is an apostrophe (doesn't) or the end of a short quotation, never the start of a
# value: without that rule the prose between two of them would be cut as if it were one.
LONG_QUOTED = re.compile(rf"(?<!\w)'(?P<single>[^'\n]{{{MAX_QUOTED},}})'(?!\w)|(?<!\w)\"(?P<double>[^\"\n]{{{MAX_QUOTED},}})\"(?!\w)")


def cap_quoted(text: str) -> str:
    """``'aaaa...'`` (one quoted value of 100,000 characters) -> its first characters and its length."""
    if len(text) <= MAX_QUOTED:
        return text

    def cut(match: re.Match[str]) -> str:
        quote, value = ("'", match["single"]) if match["single"] is not None else ('"', match["double"])
        return f"{quote}{value[:QUOTED_SHOWN]}...{quote} ({len(value)} characters)"

    return LONG_QUOTED.sub(cut, text)


def scrub_text(text: str, secrets: Iterable[str], *, cap: bool = True) -> str:
    """``text`` with every secret masked and, unless ``cap`` is False (a generated file), long quoted values cut."""
    pattern = secrets_pattern(secrets)
    masked = text if pattern is None else pattern.sub(MASK, text)
    return cap_quoted(masked) if cap else masked


T = TypeVar("T")


def scrub(value: T, secrets: Iterable[str]) -> T:
    """A copy of ``value`` (dataclasses, mappings, sequences, strings) with every secret masked and long quoted values cut."""
    pattern = secrets_pattern(secrets)
    return cast(T, map_strings(value, lambda text: cap_quoted(text if pattern is None else pattern.sub(MASK, text))))
