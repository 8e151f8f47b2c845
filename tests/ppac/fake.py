"""A small stateful Power Platform for the client, service and command tests.

Until the project's simulator grows its Power Platform side (another part of
the project builds it, from the same facts), these tests talk to this fake
through `httpx.MockTransport`. Every answer has a shape PPAC-API.md quotes:
the environment list (`value` + `@odata.nextlink`, §2.4), BAP's (§2.1),
copy candidates and backups and operations (`collection` +
`continuationToken`), the copy/restore 202 with `Operation-Location` and
`Retry-After` (§3.1, §5), poll answers with `status` (P7) or BAP's
`state.id`, ValidationResponse bodies (§7), BAP error bodies, a 409 with
no body. It shares no code with the client: it is written from the shapes.

Time is a manual clock (`now`); an operation runs `duration`, through the
stages Validate, Prepare, Run and Finalize, a quarter each.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

PP = "https://api.powerplatform.com"
BAP = "https://api.bap.microsoft.com"
START = datetime(2026, 11, 20, 8, 0)

#: Environment ids of the seeded tenant.
UPE = "00000000-0000-0000-0000-0000000000e1"
USE = "00000000-0000-0000-0000-0000000000e2"
UDE = "00000000-0000-0000-0000-0000000000e3"
LCS_SANDBOX = "00000000-0000-0000-0000-0000000000e4"
LCS_PROD = "00000000-0000-0000-0000-0000000000e5"
LCS_DEVBOX = "00000000-0000-0000-0000-0000000000e6"
PLAIN = "00000000-0000-0000-0000-0000000000e7"
DEFAULT_ENV = "00000000-0000-0000-0000-0000000000e8"
TRIAL = "00000000-0000-0000-0000-0000000000e9"
UDE_US = "00000000-0000-0000-0000-0000000000ea"
#: The LCS environment id behind the linked sandbox.
LCS_SANDBOX_LCS_ID = "d365b0000000400080000000000000b2"


@dataclass
class Env:
    id: str
    name: str
    type: str
    finops_type: str | None = None
    finops_url: str | None = None
    finops_id: str | None = None
    region: str = "westeurope"
    geo: str = "europe"
    protection: str = "Basic"
    admin_mode: bool = False
    deployment: str | None = None  # Dataverse applicationdeploymenttype
    details_status: int = 200

    @property
    def org(self) -> str:
        return f"https://{self.name.lower()}.crm4.dynamics.com"

    def pp(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "displayName": self.name,
            "type": self.type,
            "state": "Ready",
            "geo": self.geo,
            "azureRegion": self.region,
            "url": self.org + "/",
            "version": "9.2.26011.00150",
            "domainName": self.name.lower(),
            "adminMode": self.admin_mode,
            "protectionLevel": self.protection,
            "createdDateTime": "2026-01-05T10:00:00Z",
            "retentionDetails": {
                "retentionPeriod": "P7D",
                "availableFromDateTime": "2026-11-13T08:00:00Z",
            },
        }
        if self.finops_type is not None:
            body["finOpsMetadata"] = {
                "id": self.finops_id or self.id,
                "type": self.finops_type,
                "url": self.finops_url,
            }
        return body

    def bap(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "displayName": self.name,
            "azureRegion": self.region,
            "environmentSku": self.type,
            "provisioningState": "Succeeded",
            "isDefault": self.type == "Default",
            "states": {
                "management": {"id": "Ready"},
                "runtime": {"id": "AdminMode" if self.admin_mode else "Enabled"},
            },
            "governanceConfiguration": {"protectionLevel": self.protection},
            "linkedEnvironmentMetadata": {
                "instanceUrl": self.org + "/",
                "version": "9.2.26011.00150",
                "domainName": self.name.lower(),
            },
            "retentionDetails": {
                "retentionPeriod": "P7D",
                "backupsAvailableFromDateTime": "2026-11-13T08:00:00Z",
            },
        }
        if self.finops_type is not None:
            props["linkedAppMetadata"] = {
                "id": self.finops_id or self.id,
                "type": self.finops_type,
                "url": self.finops_url,
            }
        return {
            "id": f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{self.id}",
            "name": self.id,
            "location": self.geo,
            "properties": props,
        }


def seeded_environments() -> list[Env]:
    """The fixtures of PPAC-API.md §10.6.1."""
    return [
        Env(
            UPE,
            "CONTOSO-UPE",
            "Production",
            "Internal",
            "https://contoso.operations.eu.dynamics.com",
            deployment="Production",
        ),
        Env(
            USE,
            "CONTOSO-USE",
            "Sandbox",
            "Internal",
            "https://x.sandbox.operations.eu.dynamics.com",
            deployment="Sandbox",
        ),
        Env(
            UDE,
            "ANA-UDE",
            "Sandbox",
            "Internal",
            "https://ana.sandbox.operations.eu.dynamics.com",
            deployment="OnlineDev",
            admin_mode=True,
        ),
        Env(
            LCS_SANDBOX,
            "LCS-UAT",
            "Sandbox",
            "Linked",
            "https://lcs-uat.sandbox.operations.eu.dynamics.com",
            LCS_SANDBOX_LCS_ID,
        ),
        Env(
            LCS_PROD,
            "LCS-PROD",
            "Production",
            "Linked",
            "https://lcs-prod.operations.eu.dynamics.com",
            "d365a0000000400080000000000000a1",
        ),
        Env(
            LCS_DEVBOX,
            "LCS-DEV",
            "Sandbox",
            "Linked",
            "https://lcs-dev1a2b3cdevaos.cloudax.dynamics.com",
            "d365d0000000400080000000000000d1",
        ),
        Env(PLAIN, "HR-DATAVERSE", "Sandbox"),
        Env(DEFAULT_ENV, "Contoso (default)", "Default"),
        Env(TRIAL, "Trial 42", "Trial"),
        Env(
            UDE_US,
            "BOB-UDE-US",
            "Sandbox",
            "Internal",
            "https://bob.sandbox.operations.dynamics.com",
            deployment="OnlineDev",
            region="eastus",
            geo="unitedstates",
        ),
    ]


@dataclass
class Op:
    id: str
    environment_id: str
    name: str
    started: datetime
    duration: timedelta
    outcome: str = "Succeeded"  # or "Failed"
    #: "status" (Power Platform API) or "state.id" (BAP) or "state" (the sample).
    spelling: str = "status"
    #: Polls answered 409 before the first 200 (§10.6.6).
    conflicts: int = 0
    #: Answer 404 once finished (the poll URL is gone).
    gone_when_done: bool = False
    #: A status word the documentation does not list, while running.
    running_word: str = "InProgress"
    requested_by: str = "Ana Admin"
    source_id: str | None = None


@dataclass
class Backup:
    id: str
    label: str | None
    point: datetime
    expires: datetime
    by: str = "Ana Admin"


@dataclass
class Recorded:
    method: str
    url: str
    body: Any
    authorization: str | None


Fault = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakePowerPlatform:
    now: datetime = START
    envs: list[Env] = field(default_factory=seeded_environments)
    ops: list[Op] = field(default_factory=list)
    backups: dict[str, list[Backup]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    #: Answers served before the normal ones: each returns a response, or None to pass.
    faults: list[Fault] = field(default_factory=list)
    env_page_size: int = 100
    history_page_size: int = 2
    copy_duration: timedelta = timedelta(hours=3)
    restore_duration: timedelta = timedelta(hours=2)
    #: How a started operation's poll answers are spelt, and their quirks.
    spelling: str = "status"
    conflicts: int = 0
    gone_when_done: bool = False
    fail_next: bool = False
    #: Say where to poll with "Operation-Location" or "Location" (or None: body only).
    location_header: str | None = "Operation-Location"
    #: Answer the environment list without `finOpsMetadata` (BAP has to tell).
    hide_finops: bool = False
    #: Check each bearer token: returns a 401 message, or None to accept.
    check_token: Callable[[httpx.Request], str | None] | None = None
    #: URL fragments of POSTs whose answer is lost *after* the fake acted on them.
    lose_answers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.backups:
            for env in self.envs:
                if env.finops_type is None:
                    continue
                self.backups[env.id] = [
                    Backup(
                        f"sys-{env.id[-2:]}-{day}",
                        None,
                        START - timedelta(days=day),
                        START - timedelta(days=day) + timedelta(days=7),
                        by="System",
                    )
                    for day in (1, 2)
                ]
            self.backups[USE].append(
                Backup(
                    "manual-1",
                    "before-upgrade",
                    START - timedelta(hours=5),
                    START + timedelta(days=7),
                )
            )

    # -- the transport ---------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def env(self, env_id: str) -> Env | None:
        return next((e for e in self.envs if e.id == env_id), None)

    def posts(self, fragment: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and fragment in r.url]

    def handle(self, request: httpx.Request) -> httpx.Response:
        answer = self._handle(request)
        url = str(request.url)
        lost = next(
            (
                f
                for f in self.lose_answers
                if request.method == "POST"
                and f in url
                # a validate-only call is lost only when asked for by name
                and ("ValidateOnly" in f or "ValidateOnly" not in url)
            ),
            None,
        )
        if lost is not None:
            self.lose_answers.remove(lost)
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return answer

    def _handle(self, request: httpx.Request) -> httpx.Response:
        body: Any = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = request.content
        self.requests.append(
            Recorded(request.method, str(request.url), body, request.headers.get("authorization"))
        )
        for fault in list(self.faults):
            answer = fault(request)
            if answer is not None:
                return answer
        if self.check_token is not None:
            refused = self.check_token(request)
            if refused is not None:
                return _json(
                    {"error": {"code": "InvalidAuthenticationTokenAudience", "message": refused}},
                    401,
                )
        url = request.url
        path = url.path
        query = {k: v[0] for k, v in parse_qs(url.query.decode()).items()}
        origin = f"{url.scheme}://{url.host}"
        if path.endswith("/api/data/v9.2/msprov_getfinopsapplicationdetails"):
            return self._details(origin)
        if path.startswith("/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments"):
            return _json({"value": [e.bap() for e in self.envs]})
        if path.startswith("/providers/Microsoft.BusinessAppPlatform/lifecycleOperations"):
            env_id = (
                query.get("$filter", "").split("'")[1] if "'" in query.get("$filter", "") else ""
            )
            return _json({"value": [self._op_json(o, "state.id") for o in self._ops_of(env_id)]})
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["environmentmanagement", "environments"]:
            return self._environments(request, parts[2:], query, body)
        return _json({"error": {"code": "NotFound", "message": f"no route {path}"}}, 404)

    # -- routes --------------------------------------------------------------------------

    def _environments(
        self, request: httpx.Request, rest: list[str], query: dict[str, str], body: Any
    ) -> httpx.Response:
        if not rest:
            start = int(query.get("$skiptoken", "0"))
            page = self.envs[start : start + self.env_page_size]
            shown = []
            for e in page:
                item = e.pp()
                if self.hide_finops:
                    item.pop("finOpsMetadata", None)
                shown.append(item)
            answer: dict[str, Any] = {"value": shown}
            if start + self.env_page_size < len(self.envs):
                answer["@odata.nextlink"] = (
                    f"{PP}/environmentmanagement/environments?api-version=2024-10-01"
                    f"&$skiptoken={start + self.env_page_size}"
                )
            return _json(answer)
        env = self.env(rest[0])
        if env is None:
            return _json(
                {
                    "error": {
                        "code": "EnvironmentNotFound",
                        "message": f"The environment '{rest[0]}' could not be found in the tenant.",
                    }
                },
                404,
            )
        action = rest[1] if len(rest) > 1 else ""
        if action == "copyCandidates":
            return self._candidates(env)
        if action == "copy" and request.method == "POST":
            return self._start(env, body, query, "Copy")
        if action == "restore" and request.method == "POST":
            return self._start(env, body, query, "Restore")
        if action == "backups":
            return self._backups(request, env, rest[2:], body, query)
        if action == "operations":
            if len(rest) > 2:
                return self._poll(rest[2])
            return self._history(env, query)
        return _json({"error": {"code": "NotFound"}}, 404)

    def _details(self, origin: str) -> httpx.Response:
        env = next((e for e in self.envs if e.org == origin), None)
        if env is None or env.deployment is None:
            return _json({"error": {"code": "0x80060888", "message": "Resource not found"}}, 404)
        if env.details_status != 200:
            return _json(
                {"error": {"message": "Principal user is missing prvReadmsprov"}},
                env.details_status,
            )
        return _json(
            {
                "applicationversion": "10.0.45.2",
                "platformversion": "7.0.7690.10",
                "finopsenvironmentstate": "Running",
                "applicationdeploymenttype": env.deployment,
            }
        )

    def _candidates(self, source: Env) -> httpx.Response:
        if source.deployment == "OnlineDev":
            return _json({"collection": []})  # a UDE is a dead end as a source (§10.6.4)
        targets = [
            e
            for e in self.envs
            if e.finops_type == "Internal"
            and e.type == "Sandbox"
            and e.id != source.id
            and e.region == source.region
        ]
        return _json(
            {
                "collection": [
                    {
                        "environmentId": e.id,
                        "displayName": e.name,
                        "dataverseOrganizationUrl": e.org + "/",
                    }
                    for e in targets
                ]
            }
        )

    def _start(self, target: Env, body: Any, query: dict[str, str], name: str) -> httpx.Response:
        source = self.env(str((body or {}).get("sourceEnvironmentId", "")))
        errors: dict[str, Any] = {}
        if target.type == "Production":
            errors["targetEnvironmentId"] = {
                "errorMessages": ["The target environment can't be a production environment."]
            }
        if source is None:
            errors["sourceEnvironmentId"] = {"errorMessages": ["Source environment not found."]}
        elif source.region != target.region:
            errors["sourceEnvironmentId"] = {
                "errorMessages": ["Source and target must be in the same region."]
            }
        if errors:
            return _json({"errorDetail": {"code": "ValidationFailed", "fieldErrors": errors}}, 400)
        if query.get("ValidateOnly") == "true":
            return _json({"status": "ValidationPassed"})
        if any(o.environment_id == target.id and not self._finished(o) for o in self.ops):
            return _json(
                {
                    "error": {
                        "code": "OperationNotStartable",
                        "message": "This operation cannot be performed because there is an "
                        "active lifecycle operation on the environment.",
                    }
                },
                409,
            )
        op = Op(
            id=str(uuid.uuid4()),
            environment_id=target.id,
            name=name,
            started=self.now,
            duration=self.copy_duration if name == "Copy" else self.restore_duration,
            outcome="Failed" if self.fail_next else "Succeeded",
            spelling=self.spelling,
            conflicts=self.conflicts,
            gone_when_done=self.gone_when_done,
            source_id=source.id if source else None,
        )
        self.fail_next = False
        self.ops.append(op)
        url = (
            f"{PP}/environmentmanagement/environments/{target.id}/operations/{op.id}"
            "?api-version=2024-10-01"
        )
        headers = {"Retry-After": "30"}
        if self.location_header:
            headers[self.location_header] = url
            return httpx.Response(202, headers=headers)
        return _json({"operationUrl": url}, 202, headers)

    def _finished(self, op: Op) -> bool:
        return self.now >= op.started + op.duration

    def _ops_of(self, env_id: str) -> list[Op]:
        return sorted(
            (o for o in self.ops if o.environment_id == env_id),
            key=lambda o: o.started,
            reverse=True,
        )

    def _op_json(self, op: Op, spelling: str | None = None) -> dict[str, Any]:
        spelling = spelling or op.spelling
        elapsed = self.now - op.started
        quarter = op.duration / 4
        done = self._finished(op)
        stages = []
        for index, name in enumerate(("Validate", "Prepare", "Run", "Finalize")):
            begin = op.started + quarter * index
            if self.now >= begin + quarter:
                word = (
                    "Failed" if done and op.outcome == "Failed" and name == "Run" else "Succeeded"
                )
                if done and op.outcome == "Failed" and index > 2:
                    word = "Skipped"
            elif self.now >= begin:
                word = "InProgress"
            else:
                word = "NotStarted"
            stages.append((name, word, begin))
        if done:
            word = op.outcome
        elif elapsed < timedelta(minutes=1):
            word = "Queued"
        else:
            word = op.running_word
        if spelling == "status":
            body: dict[str, Any] = {
                "operationId": op.id,
                "name": op.name,
                "status": word,
                "startTime": op.started.isoformat() + "Z",
                "endTime": (op.started + op.duration).isoformat() + "Z" if done else None,
                "requestedBy": {"displayName": op.requested_by, "type": "User"},
                "stageStatuses": [
                    {"name": n, "status": w, "startTime": b.isoformat() + "Z"} for n, w, b in stages
                ],
                "updatedEnvironment": {"environmentId": op.environment_id},
            }
            if done and op.outcome == "Failed":
                body["errorDetail"] = {
                    "code": "CopyFailed",
                    "message": "The database copy failed in the Run stage.",
                }
            return body
        state: Any = {"id": word} if spelling == "state.id" else word
        return {
            "id": op.id,
            "links": {
                "environment": {
                    "path": "/providers/Microsoft.BusinessAppPlatform/environments/"
                    + op.environment_id
                }
            },
            "type": {"id": op.name},
            "typeDisplayName": op.name,
            "state": state,
            "createdDateTime": op.started.isoformat() + "Z",
            "lastActionDateTime": self.now.isoformat() + "Z",
            "requestedBy": {"displayName": op.requested_by, "type": "User"},
            "stages": [
                {"id": n, "name": n, "state": {"id": w}, "firstActionDateTime": b.isoformat() + "Z"}
                for n, w, b in stages
            ],
        }

    def _poll(self, op_id: str) -> httpx.Response:
        op = next((o for o in self.ops if o.id == op_id), None)
        if op is None:
            return _json({"error": {"code": "NotFound"}}, 404)
        if op.conflicts > 0:
            op.conflicts -= 1
            return httpx.Response(409)  # sometimes with no body at all (§6)
        if self._finished(op) and op.gone_when_done:
            return httpx.Response(404)
        return _json(self._op_json(op), headers={"Retry-After": "30"})

    def _history(self, env: Env, query: dict[str, str]) -> httpx.Response:
        ops = self._ops_of(env.id)
        start = int(query.get("continuationToken", "0") or 0)
        size = int(query.get("limit", str(self.history_page_size)))
        size = min(size, self.history_page_size)
        page = ops[start : start + size]
        answer: dict[str, Any] = {"collection": [self._op_json(o, "status") for o in page]}
        if start + size < len(ops):
            answer["continuationToken"] = str(start + size)
        return _json(answer)

    def _backups(
        self, request: httpx.Request, env: Env, rest: list[str], body: Any, query: dict[str, str]
    ) -> httpx.Response:
        listed = self.backups.setdefault(env.id, [])
        if request.method == "GET":
            return _json(
                {
                    "collection": [
                        {
                            "id": b.id,
                            "label": b.label,
                            "backupPointDateTime": b.point.isoformat() + "Z",
                            "backupExpiryDateTime": b.expires.isoformat() + "Z",
                            "createdBy": {
                                "displayName": b.by,
                                "type": "System" if b.by == "System" else "User",
                            },
                        }
                        for b in sorted(listed, key=lambda b: b.point, reverse=True)
                    ]
                }
            )
        if request.method == "POST":
            label = (body or {}).get("label")
            if not label:
                return _json(
                    {
                        "errorDetail": {
                            "code": "ValidationFailed",
                            "fieldErrors": {"label": {"errorMessages": ["The label is required."]}},
                        }
                    },
                    400,
                )
            made = Backup(str(uuid.uuid4()), label, self.now, self.now + timedelta(days=7))
            listed.append(made)
            return _json(
                {
                    "id": made.id,
                    "label": made.label,
                    "backupPointDateTime": made.point.isoformat() + "Z",
                    "backupExpiryDateTime": made.expires.isoformat() + "Z",
                    "createdBy": {"displayName": "Ana Admin", "type": "User"},
                },
                201,
            )
        if request.method == "DELETE" and rest:
            found = next((b for b in listed if b.id == rest[0]), None)
            if found is None:
                return _json({"errorDetail": {"code": "BackupNotFound"}}, 404)
            listed.remove(found)
            return httpx.Response(204)
        return _json({"error": {"code": "MethodNotAllowed"}}, 405)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers or {})


def once(status: int, *, match: str = "", method: str | None = None, **kwargs: Any) -> Fault:
    """A fault that answers the next matching request once with `status`."""
    used = [False]

    def fault(request: httpx.Request) -> httpx.Response | None:
        if used[0] or match not in str(request.url) or (method and request.method != method):
            return None
        used[0] = True
        return httpx.Response(status, **kwargs)

    return fault


def drop_after_sending(*, match: str = "", method: str = "POST") -> Fault:
    """The connection breaks after the request arrived (the server may have acted)."""
    used = [False]

    def fault(request: httpx.Request) -> httpx.Response | None:
        if used[0] or match not in str(request.url) or request.method != method:
            return None
        used[0] = True
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )

    return fault


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
