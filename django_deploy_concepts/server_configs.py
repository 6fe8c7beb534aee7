"""Web server configurations kept in the project (nginx, Apache, Caddy), reduced to what matters to Django.

A leaf read by the web server concern (its checks live in concerns/webserver/proxies.py) and by
the static concern (which locations serve STATIC_URL), so neither imports the other.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_deploy_concepts.context import ProjectContext

MAX_CONFIGS = 20
MAX_CONFIG_BYTES = 256 * 1024
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
NGINX_DEFAULT_BODY_LIMIT = 1024 * 1024
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
    # It accepts HTTPS itself (nginx listen ... ssl, Apache SSLEngine on, Caddy's automatic HTTPS).
    terminates_tls: bool = False


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
        terminates_tls=re.search(r"^\s*(listen\s[^;]*\bssl\b|ssl_certificate\s)", text, re.MULTILINE) is not None,
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
        terminates_tls=re.search(r"^\s*SSLEngine\s+on\b", text, re.MULTILINE | re.IGNORECASE) is not None,
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
        # Caddy serves a site named by its hostname over HTTPS unless told otherwise.
        terminates_tls=re.search(r"\bauto_https\s+off\b", text) is None
        and re.search(r"^[a-z0-9.-]+\.[a-z]{2,}[\s,{]", text, re.MULTILINE | re.IGNORECASE) is not None,
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
