"""The rehearsal's findings: one id per kind of real failure, as docs/checks/rehearsal.rst lists them."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, Warning

LABEL = "deploy_rehearsal"


def e001(error: str) -> CheckMessage:
    return Error(
        f"collectstatic failed: {error}",
        hint="A deploy whose build step fails this way runs without its static files (or stops).",
        id="deploy_rehearsal.E001",
    )


def e002(error: str) -> CheckMessage:
    return Error(
        f"Offline compression (manage.py compress) failed: {error}",
        hint="With COMPRESS_OFFLINE every page that uses {% compress %} fails until compress succeeds.",
        id="deploy_rehearsal.E002",
    )


def e003(server: str, error: str) -> CheckMessage:
    return Error(
        f"{server} did not start: {error}",
        hint="Nothing is served until the server starts; the error is the server's own.",
        id="deploy_rehearsal.E003",
    )


def e004(request: str, status: int, error: str) -> CheckMessage:
    return Error(
        f"{request} answered {status}: {error}",
        hint="Production's visitors get this server error on that page.",
        id="deploy_rehearsal.E004",
    )


def e005(request: str, error: str) -> CheckMessage:
    return Error(
        f"{request} answered 400 Bad Request: {error}",
        hint="Add the public host to ALLOWED_HOSTS (no scheme, no port).",
        id="deploy_rehearsal.E005",
    )


def e006(request: str, chain: str) -> CheckMessage:
    return Error(
        f"{request} redirects in a loop: {chain}",
        hint="Browsers stop with ERR_TOO_MANY_REDIRECTS; tell Django the proxy's scheme (SECURE_PROXY_SSL_HEADER).",
        id="deploy_rehearsal.E006",
    )


def e007(request: str, error: str) -> CheckMessage:
    return Error(
        f"{request} was refused with 403: {error}",
        hint="Every form POST fails this way; see SECURE_PROXY_SSL_HEADER and CSRF_TRUSTED_ORIGINS.",
        id="deploy_rehearsal.E007",
    )


def e008(request: str, status: int, where: str) -> CheckMessage:
    return Error(
        f"{request} answered {status}, a static file referenced {where}.",
        hint="Something must serve STATIC_ROOT in production: WhiteNoise or the web server.",
        id="deploy_rehearsal.E008",
    )


def e009(request: str, status: int) -> CheckMessage:
    return Error(
        f"{request} answered {status} for an existing media file.",
        hint="With DEBUG off Django serves no uploads: the web server or object storage must.",
        id="deploy_rehearsal.E009",
    )


def e010(request: str) -> CheckMessage:
    return Error(
        f"{request} shows Django's DEBUG page to every visitor.",
        hint="Production must run with DEBUG = False: the page shows settings and code.",
        id="deploy_rehearsal.E010",
    )


def w011(request: str, error: str) -> CheckMessage:
    return Warning(
        f"{request} needs a writable database, not tried: {error}",
        hint="The rehearsal never writes to the data; check this page on a staging copy.",
        id="deploy_rehearsal.W011",
    )


def e012(request: str, error: str) -> CheckMessage:
    return Error(
        f"{request} got no answer: {error}",
        hint="A request that takes this long is killed by the server's timeout (a 502 behind a proxy).",
        id="deploy_rehearsal.E012",
    )


def e013(request: str, status: int, limit: str) -> CheckMessage:
    return Error(
        f"{request} with a {limit} body was refused with {status}.",
        hint="Raise the web server's body limit (nginx client_max_body_size) to the uploads the site takes.",
        id="deploy_rehearsal.E013",
    )


def w014(stage: str) -> CheckMessage:
    return Warning(
        f"The rehearsal's time limit ran out during {stage}; what follows was not rehearsed.",
        hint="Raise --time-limit, or rehearse on a machine with fewer other jobs.",
        id="deploy_rehearsal.W014",
    )


def w015(request: str, error: str) -> CheckMessage:
    return Warning(
        f"{request} calls a service outside this machine, not tried: {error}",
        hint="The rehearsal's server reaches nothing outside; check this page where the service is reachable.",
        id="deploy_rehearsal.W015",
    )


def e016(where: str, error: str) -> CheckMessage:
    return Error(
        f"migrate, as {where} runs it, failed: {error}",
        hint="The deploy stops there (or serves the old schema); fix the migration, then rehearse again.",
        id="deploy_rehearsal.E016",
    )


def w017(stage: str, reason: str) -> CheckMessage:
    return Warning(
        f"{stage} was not rehearsed: {reason}",
        hint="What follows it was not rehearsed either; the reason says what would let it run.",
        id="deploy_rehearsal.W017",
    )


def e018(command: str, where: str, error: str) -> CheckMessage:
    return Error(
        f"{command}, as {where} runs it in the build, failed: {error}",
        hint="The build stops there in production too (or goes on without what it makes); the error is the command's own.",
        id="deploy_rehearsal.E018",
    )
