"""The declared deployment target: the ``DEPLOY_CONCEPTS`` setting, merged with defaults.

What cannot be read from the repository (the platform, the public hostnames, where the proxy runs,
who serves static files and uploads, which requirements the build installs) is declared here, in
the style of ``DEBUG_TOOLBAR_CONFIG``; command-line options override it. Docs: README.rst
("Declaring the deployment target") and docs/checks/checklist.rst (deploy_checklist.E031).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_deploy_concepts import platforms

SETTING = "DEPLOY_CONCEPTS"
# The id of the check that reports a wrong key or value (concerns/checklist/__init__.py).
ERROR_ID = "deploy_checklist.E031"
# gunicorn trusts X-Forwarded-* only from 127.0.0.1 and unix sockets (forwarded_allow_ips): a
# proxy on the same host works without SECURE_PROXY_SSL_HEADER being the only signal, another
# host or container does not.
PROXIES = ("none", "same-host", "other-host")
SERVERS = ("whitenoise", "web-server", "platform", "cdn", "object-storage")
PLATFORMS = tuple(sorted(name for name in platforms.PLATFORMS_BY_NAME if name != platforms.UNKNOWN.name))
KEYS = ("platform", "hosts", "proxy", "static_served_by", "media_served_by", "requirements")
# The command-line option of each key (management/base.py).
OPTIONS: Mapping[str, str] = {
    "platform": "--platform",
    "hosts": "--host",
    "proxy": "--proxy",
    "static_served_by": "--static-served-by",
    "media_served_by": "--media-served-by",
    "requirements": "--requirements",
}


@dataclasses.dataclass(frozen=True)
class Target:
    """What the user declared; None or () where nothing was declared."""

    platform: str | None = None
    hosts: tuple[str, ...] = ()
    proxy: str | None = None
    static_served_by: str | None = None
    media_served_by: str | None = None
    requirements: tuple[str, ...] = ()
    # One sentence per wrong key or value, naming the valid ones; the wrong value is ignored.
    errors: tuple[str, ...] = ()
    # Where each declared key came from: "DEPLOY_CONCEPTS" or the command-line option.
    sources: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def source(self, key: str) -> str:
        return self.sources.get(key, SETTING)

    def declared(self, key: str) -> bool:
        return bool(getattr(self, key))


def choices(values: tuple[str, ...]) -> str:
    return ", ".join(repr(value) for value in values)


def is_bare_hostname(host: str) -> bool:
    return bool(host) and host == host.strip() and not any(char in host for char in ":/ *") and "." in host.strip(".")


def text_list(key: str, value: object, errors: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        errors.append(f"{SETTING}[{key!r}] must be a list of strings, not {value!r:.60}.")
        return ()
    return tuple(value)


def parse(config: object) -> Target:
    """A Target from the setting's value; every problem becomes a sentence in ``errors``."""
    if config is None:
        return Target()
    errors: list[str] = []
    if not isinstance(config, Mapping):
        return Target(errors=(f"{SETTING} must be a dict, not {type(config).__name__}; valid keys: {choices(KEYS)}.",))
    values: dict[str, Any] = {}
    for key, value in config.items():
        if key not in KEYS:
            errors.append(f"{SETTING} has an unknown key {key!r}; valid keys: {choices(KEYS)}.")
            continue
        if value is None:
            continue
        valid = {"platform": PLATFORMS, "proxy": PROXIES, "static_served_by": SERVERS, "media_served_by": SERVERS}.get(key)
        if valid is not None:
            if value in valid:
                values[key] = value
            else:
                errors.append(f"{SETTING}[{key!r}] = {value!r:.60} is not valid; use one of {choices(valid)}.")
            continue
        items = text_list(key, value, errors)
        if key == "hosts":
            wrong = [host for host in items if not is_bare_hostname(host)]
            for host in wrong:
                errors.append(f"{SETTING}['hosts'] entry {host!r:.60} is not a bare public hostname such as 'shop.example.org'.")
            items = tuple(host.lower() for host in items if host not in wrong)
        values[key] = items
    return Target(**values, errors=tuple(errors))


def get_target() -> Target:
    """The declared target, read once from settings; ``setting_changed`` clears it. Before the
    settings are configured it is empty, and nothing is cached (nor are the settings forced)."""
    return read_setting() if settings.configured else Target()


@functools.cache
def read_setting() -> Target:
    try:
        value = getattr(settings, SETTING, None)
    except Exception as exc:  # noqa: BLE001 - a settings module that fails is reported elsewhere
        return Target(errors=(f"{SETTING} cannot be read: {type(exc).__name__}: {exc}",))
    return parse(value)


@receiver(setting_changed)
def forget_target(setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        read_setting.cache_clear()


def with_options(target: Target, **options: Any) -> Target:
    """``target`` with the command-line options (same names as the keys) that were given."""
    overrides: dict[str, Any] = {}
    sources = dict(target.sources)
    for key, value in options.items():
        if key not in KEYS or value in (None, [], ()):
            continue
        overrides[key] = tuple(value) if isinstance(value, (list, tuple)) else value
        sources[key] = OPTIONS[key]
    if not overrides:
        return target
    return dataclasses.replace(target, **overrides, sources=sources)
