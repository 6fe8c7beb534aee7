"""Keep secrets out of every output: mask values at collection, and scrub known secrets at the end.

Two layers on purpose: concerns mask what they collect (``mask_url``, ``MASK``), and the
command scrubs every string of the final report against the secret values this run knows of,
so a value that slipped into an exception message or a path is still never printed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from django.conf import settings

MASK = "********"

# Shorter values are too likely to occur in ordinary text ("db", "1") to be scrubbed safely;
# environment variables are many and often hold flags ("true"), so they need longer values.
MIN_SECRET_LENGTH = 4
MIN_ENVIRON_SECRET_LENGTH = 8

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
# The password runs to the last "@" of the URL, as Python's urlsplit reads it: an unencoded "@" in a
# password ("user:p@ss@host") must not leave "ss" visible.
URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<password>[^\s]*?)@(?=[^@\s]*(?:\s|$))")


def is_secret_name(name: str) -> bool:
    return name not in NOT_SECRET_NAMES and bool(SECRET_NAME.search(name))


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


def _strings_in(value: object, depth: int = 0) -> Iterable[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings_in(item, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings_in(item, depth + 1)


def _secret_variants(value: str) -> Iterable[str]:
    yield value
    # A password in a URL may appear percent-encoded or decoded.
    yield urllib.parse.quote(value, safe="")
    yield urllib.parse.unquote(value)


def _secret_values_in(value: object, depth: int = 0) -> Iterable[object]:
    """Values stored under secret-looking keys anywhere in nested settings (OPTIONS, MAILERS, ...)."""
    if depth > 6:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and is_secret_name(key):
                yield item
            else:
                yield from _secret_values_in(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _secret_values_in(item, depth + 1)


def raw_settings() -> dict[str, object]:
    """Every upper-case setting, read without LazySettings' side effects (deprecation warnings)."""
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
                    found[name] = getattr(wrapped, name)
                except Exception:  # noqa: BLE001 - one unreadable setting must not stop the masking of others
                    continue
    return found


def known_secrets(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """Every secret value this process can see: secret-named settings, passwords, URL passwords."""
    environ = os.environ if environ is None else environ
    found: set[str] = set()

    def add(value: object, min_length: int = MIN_SECRET_LENGTH) -> None:
        for text in _strings_in(value):
            for variant in _secret_variants(text):
                if len(variant) >= min_length:
                    found.add(variant)

    try:
        setting_values = raw_settings()
    except Exception:  # noqa: BLE001 - a broken settings module still needs the environment masked
        setting_values = {}
    for name, value in setting_values.items():
        if is_secret_name(name):
            # The setting itself is the secret; inside a container only what has a secret's key
            # (below) or shape is: hostnames, ports and module names next to it are not.
            add(value if isinstance(value, str) else [text for text in _strings_in(value) if looks_like_secret(text)])
        for secret in _secret_values_in(value):
            add(secret)
        for text in _strings_in(value):
            password = url_password(text)
            if password:
                add(password)
    for name, value in environ.items():
        if is_secret_name(name):
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


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    pattern = secrets_pattern(secrets)
    return text if pattern is None else pattern.sub(MASK, text)


T = TypeVar("T")


def scrub(value: T, secrets: Iterable[str]) -> T:
    """A copy of ``value`` (dataclasses, mappings, sequences, strings) with every secret masked."""
    pattern = secrets_pattern(secrets)
    if pattern is None:
        return value
    return _scrub(value, pattern)  # type: ignore[no-any-return]


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {field.name: _scrub(getattr(value, field.name), pattern) for field in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, Mapping):
        return {_scrub(key, pattern): _scrub(item, pattern) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_scrub(item, pattern) for item in value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    return value
