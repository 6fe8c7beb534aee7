"""Web server configurations kept in the project (nginx, Apache, Caddy): what they pass to Django.

Docs: docs/checks/webserver.rst (E009, W010); nginx: https://nginx.org/en/docs/http/ngx_http_proxy_module.html
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts.context import ProjectContext

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.webserver import Facts

MAX_CONFIGS = 20
MAX_CONFIG_BYTES = 256 * 1024
NGINX_DEFAULT_BODY_LIMIT = 1024 * 1024
DJANGO_DEFAULT_UPLOAD_SIZE = 2_621_440
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
# nginx's tokens: quoted strings, braces and semicolons, and the words between them.
NGINX_TOKEN = re.compile(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|[{};]|[^\s{};\"']+")
# Every file name candidate_server can accept ends with one of these, is "caddyfile" or holds
# ".nginx.": a test on the bare name that skips building a path for each of the tree's files.
CANDIDATE_ENDINGS = (".conf", ".caddy", ".caddyfile", ".nginx")


@dataclasses.dataclass(frozen=True)
class ProxyConfig:
    """One web server configuration file found in the project, reduced to what matters to Django."""

    path: str
    # "nginx", "apache" or "caddy".
    server: str
    proxies_to_app: bool
    sets_host: bool
    sets_forwarded_proto: bool
    # The request body limit it sets, in bytes (0: unlimited), or None when it keeps the default.
    body_limit: int | None
    # URL prefixes it serves itself (location, Alias, handle_path).
    locations: tuple[str, ...]


def candidate_server(relative_path: str) -> str | None:
    """The web server a file's name suggests, or None for files that are no web server config."""
    slashed = relative_path.replace("\\", "/")
    bare_name = slashed.rsplit("/", 1)[-1].lower()
    if not bare_name.endswith(CANDIDATE_ENDINGS) and bare_name != "caddyfile" and ".nginx." not in bare_name:
        return None
    path = PurePosixPath(slashed)
    name = path.name.lower()
    folders = "/".join(part.lower() for part in path.parts[:-1])
    if name == "caddyfile" or name.endswith(".caddyfile") or name.endswith(".caddy"):
        return "caddy"
    if name == "nginx.conf" or name.endswith(".nginx") or ".nginx." in name or (name.endswith(".conf") and "nginx" in folders):
        return "nginx"
    if name.endswith(".conf") and any(word in f"{folders}/{name}" for word in ("apache", "httpd", "vhost")):
        return "apache"
    if name.endswith(".conf") and "nginx" in name:
        return "nginx"
    return None


def strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def parse_size(text: str) -> int | None:
    match = re.fullmatch(r"(\d+)\s*([kmg]?)b?", text.strip().lower())
    return int(match[1]) * SIZE_UNITS[match[2]] if match else None


def parse_nginx(path: str, text: str) -> ProxyConfig:
    # Debian's proxy_params sets Host, X-Forwarded-For and X-Forwarded-Proto.
    proxy_params = re.search(r"^\s*include\s+\S*proxy_params\s*;", text, re.MULTILINE) is not None
    return ProxyConfig(
        path=path,
        server="nginx",
        proxies_to_app=re.search(r"\bproxy_pass\s", text) is not None,
        sets_host=proxy_params or re.search(r"proxy_set_header\s+Host\s", text, re.IGNORECASE) is not None,
        sets_forwarded_proto=proxy_params or re.search(r"proxy_set_header\s+X-Forwarded-Proto\s", text, re.IGNORECASE) is not None,
        body_limit=nginx_body_limit(text),
        locations=tuple(re.findall(r"\blocation\s+(?:\^~\s*|=\s*)?(/[^\s{]*)", text)),
    )


@dataclasses.dataclass
class NginxBlock:
    parent: NginxBlock | None
    # client_max_body_size set in this block, in bytes, or None when it inherits its parent's.
    body_limit: int | None = None
    proxies: bool = False

    def effective_limit(self) -> int | None:
        block: NginxBlock | None = self
        while block is not None:
            if block.body_limit is not None:
                return block.body_limit
            block = block.parent
        return None


def nginx_body_limit(text: str) -> int | None:
    """The client_max_body_size where nginx proxies to the app (None: nginx's default of 1 MB).

    Each http, server or location block inherits the value of the block around it unless it sets its
    own; of several blocks that proxy, the smallest limit is the one uploads meet.
    """
    root = block = NginxBlock(None)
    blocks = [root]
    words: list[str] = []
    for token in NGINX_TOKEN.findall(text):
        if token == "{":
            block = NginxBlock(block)
            blocks.append(block)
            words = []
        elif token == "}":
            block = block.parent or root
            words = []
        elif token == ";":
            if words[:1] == ["client_max_body_size"] and len(words) == 2:
                block.body_limit = parse_size(words[1].strip("\"'"))
            elif words[:1] == ["proxy_pass"]:
                block.proxies = True
            words = []
        else:
            words.append(token)
    limits = [proxying.effective_limit() for proxying in blocks if proxying.proxies]
    # None (the default) and 0 (no limit) are compared by the size they allow.
    return min(limits, key=lambda limit: NGINX_DEFAULT_BODY_LIMIT if limit is None else limit or float("inf"), default=None)


def parse_apache(path: str, text: str) -> ProxyConfig:
    limits = [int(value) for value in re.findall(r"^\s*LimitRequestBody\s+(\d+)", text, re.MULTILINE | re.IGNORECASE)]
    aliases = re.findall(r"^\s*Alias\s+\"?(/[^\s\"]*)", text, re.MULTILINE | re.IGNORECASE)
    excluded = re.findall(r"^\s*ProxyPass\s+\"?(/[^\s\"]*)\"?\s+!", text, re.MULTILINE | re.IGNORECASE)
    return ProxyConfig(
        path=path,
        server="apache",
        proxies_to_app=re.search(r"^\s*ProxyPass(Match)?\s+\S+\s+\"?(?!!)\S", text, re.MULTILINE | re.IGNORECASE) is not None,
        sets_host=re.search(r"^\s*ProxyPreserveHost\s+On\b", text, re.MULTILINE | re.IGNORECASE) is not None,
        sets_forwarded_proto=re.search(r"RequestHeader\s+set\s+\"?X-Forwarded-Proto", text, re.IGNORECASE) is not None,
        body_limit=(0 if 0 in limits else max(limits)) if limits else None,
        locations=tuple(dict.fromkeys([*aliases, *excluded])),
    )


def parse_caddy(path: str, text: str) -> ProxyConfig:
    sizes = [parse_size(size.replace("i", "")) for size in re.findall(r"max_size\s+(\S+)", text)]
    known = [size for size in sizes if size is not None]
    proxies = re.search(r"\breverse_proxy\b", text) is not None
    return ProxyConfig(
        path=path,
        server="caddy",
        proxies_to_app=proxies,
        # Caddy's reverse_proxy passes Host and sets X-Forwarded-Proto itself.
        sets_host=proxies,
        sets_forwarded_proto=proxies,
        body_limit=max(known) if known else None,
        locations=tuple(prefix.rstrip("*") for prefix in re.findall(r"\b(?:handle_path|handle|route)\s+(/[^\s{]*)", text)),
    )


PARSERS = {"nginx": parse_nginx, "apache": parse_apache, "caddy": parse_caddy}


def read_config(root: Path, relative_path: str, server: str, errors: list[str]) -> ProxyConfig | None:
    try:
        with (root / relative_path).open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES)
    except OSError as exc:
        errors.append(f"cannot read {relative_path}: {exc.strerror or exc}")
        return None
    text = strip_comments(data.decode("utf-8", errors="replace"))
    # A templated config ({{ ... }}) holds values only known when it is rendered: nothing to judge.
    if "{{" in text or "{%" in text:
        return None
    if server == "apache" and "<VirtualHost" not in text and "ProxyPass" not in text:
        return None
    config = PARSERS[server](relative_path, text)
    return config if config.proxies_to_app or config.locations else None


def collect_proxy_configs(context: ProjectContext, errors: list[str]) -> tuple[ProxyConfig, ...]:
    tree = context.tree()
    root = Path(tree.root)
    configs: list[ProxyConfig] = []
    for relative_path in tree.files:
        server = candidate_server(relative_path)
        if server is None:
            continue
        config = read_config(root, relative_path, server, errors)
        if config is not None:
            configs.append(config)
        if len(configs) >= MAX_CONFIGS:
            break
    return tuple(configs)


def needed_body_size(facts: Facts) -> int:
    """The largest request body Django accepts by its own settings (files are never limited by it)."""
    sizes = [size for size in (facts.serving.data_upload_max_memory_size, facts.serving.file_upload_max_memory_size) if size]
    return max(sizes, default=DJANGO_DEFAULT_UPLOAD_SIZE)


def megabytes(size: int) -> str:
    return f"{size / 1024**2:g} MB"


# Checks -------------------------------------------------------------------------------------------


def e009(config: ProxyConfig) -> Error:
    fix = "proxy_set_header Host $http_host;" if config.server == "nginx" else "ProxyPreserveHost On"
    return Error(
        f"{config.path} proxies to Django without passing the Host header.",
        hint=f"Add {fix}, or Django sees the upstream's name and answers Bad Request (400).",
        obj=config.path,
        id="deploy_webserver.E009",
    )


def check_proxy_passes_host(facts: Facts) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for config in facts.proxies:
        if config.server not in ("nginx", "apache") or not config.proxies_to_app or config.sets_host:
            continue
        # Apache's mod_proxy sets X-Forwarded-Host, which Django reads with USE_X_FORWARDED_HOST.
        if config.server == "apache" and facts.hosts.use_x_forwarded_host:
            continue
        messages.append(e009(config))
    return messages


def w010(config: ProxyConfig, limit: int, needed: int) -> Warning:
    return Warning(
        f"{config.path} limits request bodies to {megabytes(limit)}; larger uploads get 413.",
        hint=f"Set client_max_body_size {-(-needed // 1024**2)}m; or more (nginx answers 413 Request Entity Too Large).",
        obj=config.path,
        id="deploy_webserver.W010",
    )


def check_upload_body_limit(facts: Facts) -> list[CheckMessage]:
    if not facts.media.local_file_fields:
        return []
    needed = needed_body_size(facts)
    messages: list[CheckMessage] = []
    for config in facts.proxies:
        if config.server != "nginx" or not config.proxies_to_app:
            continue
        limit = NGINX_DEFAULT_BODY_LIMIT if config.body_limit is None else config.body_limit
        if limit != 0 and limit < needed:
            messages.append(w010(config, limit, needed))
    return messages
