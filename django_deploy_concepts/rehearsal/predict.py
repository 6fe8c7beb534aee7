"""Which inspection finding predicted a real failure: the concerns' checks run through the runner,
and each kind of failure names the ids that foretell it. A failure none of them predicted is a gap
in the inspection, and the report says so."""

from __future__ import annotations

from collections.abc import Mapping

from django_deploy_concepts import runner
from django_deploy_concepts.concerns import CONCERN_NAMES
from django_deploy_concepts.context import ProjectContext

# The ids that predict each rehearsal finding, and the concern it belongs to.
PREDICTORS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "deploy_rehearsal.E001": (
        "static",
        (
            "deploy_static.E001",
            "deploy_static.E005",
            "deploy_static.E008",
            "deploy_static.E009",
            "deploy_static.E011",
            "deploy_static.E017",
            "deploy_static.E018",
            "deploy_static.E022",
            "deploy_static.E023",
            "deploy_static.E024",
            "deploy_static.E030",
            "deploy_checklist.E002",
        ),
    ),
    "deploy_rehearsal.E002": ("static", ()),
    "deploy_rehearsal.E003": (
        "wsgi",
        (
            "deploy_wsgi.E001",
            "deploy_wsgi.E003",
            "deploy_wsgi.E005",
            "deploy_wsgi.E009",
            "deploy_wsgi.E014",
            "deploy_checklist.E002",
            "deploy_checklist.E005",
            "deploy_database.E001",
            "deploy_database.E004",
            "deploy_database.E005",
            "deploy_database.E025",
        ),
    ),
    "deploy_rehearsal.E005": ("webserver", ("deploy_webserver.E002", "deploy_webserver.E013", "deploy_checklist.E004", "security.W020")),
    "deploy_rehearsal.E006": (
        "webserver",
        ("deploy_webserver.E014", "deploy_webserver.E001", "deploy_webserver.E015", "deploy_webserver.E007"),
    ),
    "deploy_rehearsal.E007": (
        "webserver",
        ("deploy_webserver.E004", "deploy_webserver.E014", "deploy_webserver.E001", "deploy_webserver.E007", "4_0.E001"),
    ),
    "deploy_rehearsal.E008": (
        "static",
        ("deploy_static.E003", "deploy_static.W031", "deploy_static.E001", "deploy_static.W025", "deploy_static.I028"),
    ),
    "deploy_rehearsal.E009": (
        "webserver",
        ("deploy_webserver.W012", "deploy_webserver.W017", "deploy_webserver.W011", "deploy_static.E006", "deploy_static.E007"),
    ),
    "deploy_rehearsal.E010": ("checklist", ("deploy_checklist.E001", "deploy_checklist.E006", "security.W018")),
    "deploy_rehearsal.W011": ("database", ()),
    "deploy_rehearsal.E012": ("wsgi", ()),
    "deploy_rehearsal.E013": ("webserver", ("deploy_webserver.W010",)),
    "deploy_rehearsal.W014": ("wsgi", ()),
    "deploy_rehearsal.W015": ("wsgi", ()),
    "deploy_rehearsal.W017": ("wsgi", ()),
    "deploy_rehearsal.E018": ("static", ()),
    "deploy_rehearsal.E016": ("database", ("deploy_database.E015", "deploy_database.E024", "deploy_database.E026")),
}

# A server error (E004) is told apart by the error it logs: (words in it, concern, predicting ids).
SERVER_ERRORS: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    (
        ("staticfiles manifest", "Missing staticfiles manifest entry"),
        "static",
        (
            "deploy_static.E020",
            "deploy_static.W025",
            "deploy_static.I028",
            "deploy_static.E001",
            "deploy_static.E003",
            "deploy_checklist.E018",
            # collectstatic failing on a stylesheet leaves no manifest: every page fails.
            "deploy_static.E022",
        ),
    ),
    (("OfflineGenerationError",), "static", ("deploy_static.E032", "deploy_static.W033")),
    (("InvalidStorageError",), "static", ("deploy_static.E034", "deploy_static.W035")),
    (
        ("no such table", "no such column", "does not exist", "Unknown column", "doesn't exist"),
        "database",
        (
            "deploy_database.E027",
            "deploy_database.W013",
            "deploy_database.W014",
            "deploy_database.E026",
            "deploy_database.E024",
            "deploy_database.W010",
        ),
    ),
    (
        ("unable to open database file", "could not connect to server", "connection to server", "OperationalError"),
        "database",
        ("deploy_database.W010", "deploy_database.E011", "deploy_database.E004", "deploy_database.E002"),
    ),
    (("TemplateDoesNotExist", "TemplateSyntaxError"), "checklist", ("deploy_checklist.E017",)),
    (("ImproperlyConfigured",), "checklist", ("deploy_static.E009", "deploy_static.E030", "deploy_checklist.E002")),
)

# The errors of a request that only failed because it tried to write to the read-only data.
READ_ONLY_ERRORS = (
    "read-only transaction",
    "attempt to write a readonly database",
    "READ ONLY transaction",
    "read-only mode",
)


def inspection_ids(context: ProjectContext) -> tuple[frozenset[str], str | None]:
    """Every id the inspection reports for this project (ours and Django's), or why it failed."""
    try:
        report = runner.build_report(context, CONCERN_NAMES)
    except Exception as exc:  # noqa: BLE001 - the rehearsal goes on; its findings are then all "not predicted"
        return frozenset(), f"the inspection failed: {type(exc).__name__}: {exc}"
    return frozenset(finding.id for finding in report.findings), None


def server_error(error: str) -> tuple[str, tuple[str, ...]]:
    """(concern, predicting ids) of a server error, from the error it logged."""
    for words, concern, ids in SERVER_ERRORS:
        if any(word in error for word in words):
            return concern, ids
    return "wsgi", ()


# The errors of a request that only failed because it called a service outside this machine: the
# server's HTTP proxies point at a closed loopback port.
OUTSIDE_ERRORS = ("Connection refused", "ProxyError", "Unable to connect to proxy", "Tunnel connection failed")


def needs_outside_service(error: str | None) -> bool:
    return error is not None and any(words in error for words in OUTSIDE_ERRORS)


def needs_writable_database(error: str | None) -> bool:
    return error is not None and any(words in error for words in READ_ONLY_ERRORS)


def prediction(rehearsal_id: str, error: str | None, found: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """(concern, the ids found that predicted it) for one rehearsal finding."""
    if rehearsal_id == "deploy_rehearsal.E004":
        concern, candidates = server_error(error or "")
    else:
        concern, candidates = PREDICTORS.get(rehearsal_id, ("wsgi", ()))
    return concern, tuple(candidate for candidate in candidates if candidate in found)
