"""The Power Platform half of the `Simulator` facade: build the tenant's side, drive it, inspect it.

A mixin of `Simulator` (simulator.py keeps the LCS half). Everything runs
with the world lock held and draws only from the Power Platform side's own
generators.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from lcs_tui.simulator.faults import POLL_STYLES, PollStyle
from lcs_tui.simulator.formats import same_id
from lcs_tui.simulator.powerplatform.records import (
    DEFAULT,
    DEVELOPER,
    PRODUCTION,
    SANDBOX,
    TRIAL,
    FinOps,
    OperationName,
    PpBackup,
    PpBackupInfo,
    PpEnvironment,
    PpOperation,
    PpOperationInfo,
    Requester,
)
from lcs_tui.simulator.powerplatform.stages import PlanKind, instant_plan
from lcs_tui.simulator.powerplatform.state import PowerPlatform, PpLogEntry

if TYPE_CHECKING:
    from lcs_tui.simulator.world import World

EnvironmentKind = Literal[
    "UPE",
    "USE",
    "UDE",
    "LcsProduction",
    "LcsSandbox",
    "LcsDevbox",
    "Dataverse",
    "Default",
    "Trial",
    "Developer",
]

_REGIONS = {"europe": "westeurope", "unitedstates": "eastus", "unitedkingdom": "uksouth"}
_FINOPS_GEO = {"europe": ".eu", "unitedkingdom": ".uk", "unitedstates": ""}


def person(display_name: str) -> Requester:
    """A requester of seeded records: a person of the demo (or a pipeline)."""
    object_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"person/{display_name}"))
    return Requester(display_name, "User", object_id)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "env"


def _canonical(identifier: str) -> str:
    try:
        return str(uuid.UUID(identifier.strip().strip("{}")))
    except ValueError:
        return identifier


class PowerPlatformFacade:
    """Methods of `Simulator` for the Power Platform side (see docs/simulator.md)."""

    _world: World

    @property
    def _pp(self) -> PowerPlatform:
        return self._world.powerplatform

    # --- inspection -----------------------------------------------------------------------

    def pp_environments(self) -> list[PpEnvironment]:
        """The tenant's environments as of now (records: treat as read-only)."""
        with self._world.lock:
            self._pp.settle(self._world.now())
            return list(self._pp.environments)

    def pp_environment(self, environment_id: str) -> PpEnvironment:
        with self._world.lock:
            self._pp.settle(self._world.now())
            env = self._pp.environment(environment_id)
            if env is None:
                raise KeyError(environment_id)
            return env

    def pp_backups(self, environment_id: str | None = None) -> list[PpBackupInfo]:
        """The backups listed now (manual and system), of one environment or all, newest first."""
        with self._world.lock:
            now = self._world.now()
            envs = [
                env
                for env in self._pp.environments
                if environment_id is None or same_id(env.environment_id, environment_id)
            ]
            return [b for env in envs for b in self._pp.backups_of(env, now)]

    def pp_operations(self, environment_id: str | None = None) -> list[PpOperationInfo]:
        """Every operation ever started (API and seeded), in start order, as of now;
        with `environment_id`, only those changing it."""
        with self._world.lock:
            now = self._world.now()
            self._pp.settle(now)
            return [
                PpOperationInfo.of(op, now)
                for op in self._pp.operations
                if environment_id is None or same_id(op.environment_id, environment_id)
            ]

    def pp_operation(self, operation_id: str) -> PpOperationInfo:
        for info in self.pp_operations():
            if same_id(info.operation_id, operation_id):
                return info
        raise KeyError(operation_id)

    @property
    def pp_request_log(self) -> list[PpLogEntry]:
        """(method, api, path, status, correlation_id) of every Power Platform
        call answered, live (tests may `.clear()` it); `api` is "powerplatform",
        "bap" or "dataverse"; status 0: acted, answer dropped."""
        return self._pp.request_log

    # --- building ---------------------------------------------------------------------------

    def add_pp_environment(
        self,
        display_name: str,
        *,
        kind: EnvironmentKind = "USE",
        environment_id: str | None = None,
        geo: str = "europe",
        azure_region: str | None = None,
        managed: bool = False,
        admin_mode: bool = False,
        dataverse: bool = True,
        domain_name: str | None = None,
        linked_environment_id: str | None = None,
        finops_url: str | None = None,
        application_version: str = "10.0.2177.52",
        platform_version: str = "7.0.7606.107",
        retention_days: int | None = None,
        created: datetime | None = None,
        created_by: str = "Ana Admin (demo)",
        **fields: Any,
    ) -> PpEnvironment:
        """Add an environment to the tenant; returns its record.

        `kind`: "UPE", "USE", "UDE" (unified: `linkedAppMetadata.type`
        Internal), "LcsProduction", "LcsSandbox", "LcsDevbox" (Linked;
        `linked_environment_id` is the LCS environment's id, written dashed),
        "Dataverse" (no F&O; `environment_type=` in `fields` sets its type,
        Sandbox by default), "Default", "Trial", "Developer" (Power Platform's
        developer type, not a UDE). `dataverse=False`: no Dataverse database
        (an LCS environment before the Power Platform integration). Retention
        defaults to 28 days for production, 0 for a trial, else 7.
        `fields` sets any other `PpEnvironment` field.
        """
        with self._world.lock:
            pp, now = self._pp, self._world.now()
            env_id = environment_id or pp.new_id()
            types: dict[str, str] = {
                "UPE": PRODUCTION,
                "LcsProduction": PRODUCTION,
                "Default": DEFAULT,
                "Trial": TRIAL,
                "Developer": DEVELOPER,
            }
            env_type = str(fields.pop("environment_type", types.get(kind, SANDBOX)))
            slug = _slug(display_name)
            finops = self._finops(kind, env_id, slug, geo, linked_environment_id, finops_url)
            if finops is not None:
                finops.application_version = application_version
                finops.platform_version = platform_version
            if retention_days is None:
                retention_days = 28 if env_type == PRODUCTION else 0 if env_type == TRIAL else 7
            env = PpEnvironment(
                environment_id=env_id,
                display_name=display_name,
                environment_type=env_type,
                created=created or now - timedelta(days=120),
                created_by=person(created_by),
                geo=geo,
                azure_region=azure_region or _REGIONS.get(geo, geo),
                domain_name=(domain_name or slug) if dataverse else None,
                dataverse_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"dataverse/{env_id}"))
                if dataverse
                else None,
                finops=finops,
                managed=managed,
                admin_mode=admin_mode,
                retention_days=retention_days,
            )
            for key, value in fields.items():
                if not hasattr(env, key):
                    raise TypeError(f"PpEnvironment has no field {key!r}")
                setattr(env, key, value)
            pp.environments.append(env)
            return env

    @staticmethod
    def _finops(
        kind: str, env_id: str, slug: str, geo: str, linked: str | None, url: str | None
    ) -> FinOps | None:
        region = _FINOPS_GEO.get(geo, "")
        if kind in ("UPE", "USE", "UDE"):
            default_url = (
                f"https://{slug}.operations{region}.dynamics.com/"
                if kind == "UPE"
                else f"https://{slug}.sandbox.operations{region}.dynamics.com/"
            )
            finops_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"finops/{env_id}"))
            return FinOps("Internal", finops_id, url or default_url, developer_tools=kind == "UDE")
        if kind in ("LcsProduction", "LcsSandbox", "LcsDevbox"):
            if linked is None:
                raise ValueError("an LCS-linked environment needs linked_environment_id")
            default_url = {
                "LcsProduction": f"https://{slug}.operations.dynamics.com/",
                "LcsSandbox": f"https://{slug}.sandbox.operations.dynamics.com/",
                "LcsDevbox": f"https://{slug}.cloudax.dynamics.com/",
            }[kind]
            return FinOps("Linked", _canonical(linked), url or default_url)
        return None

    def add_pp_backup(
        self,
        environment_id: str,
        label: str,
        *,
        point: datetime | None = None,
        created_by: str = "Ana Admin (demo)",
        backup_id: str | None = None,
    ) -> PpBackupInfo:
        """Add a manual backup taken at `point` (default now); it expires after
        the environment's retention. Also recorded in its operation history."""
        with self._world.lock:
            pp = self._pp
            env = pp.environment(environment_id)
            if env is None:
                raise KeyError(environment_id)
            moment = point or self._world.now()
            who = person(created_by)
            made = PpBackup(
                backup_id or pp.new_id(),
                env.environment_id,
                label,
                moment,
                moment + timedelta(days=env.retention_days),
                who,
            )
            pp.backups.append(made)
            pp.operations.append(
                PpOperation(
                    len(pp.operations),
                    pp.new_id(),
                    "Backup",
                    env.environment_id,
                    moment,
                    instant_plan(),
                    who,
                    "portal",
                )
            )
            return PpBackupInfo(
                made.backup_id,
                made.environment_id,
                made.label,
                made.point,
                made.expires,
                made.created_by,
                system=False,
            )

    def add_pp_operation(
        self,
        name: OperationName,
        *,
        environment_id: str,
        started_at: datetime,
        source_environment_id: str | None = None,
        outcome: Literal["success", "failure"] | None = None,
        duration: timedelta | None = None,
        poll_style: PollStyle = "status",
        copy_type: str = "Full",
        restore_point: datetime | None = None,
        created_by: str = "Ana Admin (demo)",
        operation_id: str | None = None,
    ) -> PpOperationInfo:
        """Record an operation as if started in the admin center at `started_at`:
        a "Copy" or "Restore" (`source_environment_id` needed) or a "Provision".
        It moves through its stages on the clock, shows in history, makes its
        environment busy while it runs, and applies its effects when it
        succeeds. `outcome` and `duration` (total) override the seeded draw;
        `poll_style` (see `Faults.poll_style_next`) how its poll URLs answer."""
        if name in ("Copy", "Restore") and source_environment_id is None:
            raise ValueError(f"a {name} needs source_environment_id")
        if poll_style not in POLL_STYLES:
            raise ValueError(f"poll_style must be one of {POLL_STYLES}")
        kind: PlanKind = {
            "Copy": "copy-full" if copy_type == "Full" else "copy-minimal",
            "Restore": "restore",
            "Provision": "provision",
            "Backup": "instant",
        }[name]
        with self._world.lock:
            pp = self._pp
            for env_id in (environment_id, source_environment_id):
                if env_id is not None and pp.environment(env_id) is None:
                    raise KeyError(env_id)
            fail = None if outcome is None else outcome == "failure"
            sequence, plan = pp.draw(kind, fail=fail, duration=duration)
            op = PpOperation(
                sequence=sequence,
                operation_id=operation_id or pp.new_id(),
                name=name,
                environment_id=environment_id,
                started_at=started_at,
                plan=plan,
                requested_by=person(created_by),
                origin="portal",
                source_environment_id=source_environment_id,
                copy_type=copy_type if name == "Copy" else None,
                restore_point=restore_point,
                poll_style=poll_style,
            )
            pp.operations.append(op)
            now = self._world.now()
            pp.settle(now)
            return PpOperationInfo.of(op, now)

    # --- roles and switches -------------------------------------------------------------------

    def register_admin_application(self, client_id: str) -> None:
        """Register a client id as an admin management application (BAP then accepts it)."""
        with self._world.lock:
            self._pp.admin_applications.add(client_id.lower())

    def unregister_admin_application(self, client_id: str) -> None:
        with self._world.lock:
            self._pp.admin_applications.discard(client_id.lower())

    def set_pp_admin(self, username: str, admin: bool = True) -> None:
        """Give a user the Power Platform administrator role, or take it away."""
        with self._world.lock:
            if admin:
                self._pp.admins.add(username.lower())
            else:
                self._pp.admins.discard(username.lower())

    def set_pp_capacity(self, free_gb: float) -> None:
        """The tenant's free database capacity; below 1 GB copy and restore are refused."""
        with self._world.lock:
            self._pp.free_capacity_gb = free_gb

    def set_pp_admin_mode(self, environment_id: str, on: bool = True) -> None:
        """Turn an environment's administration mode on or off (as an admin would in PPAC)."""
        with self._world.lock:
            env = self._pp.environment(environment_id)
            if env is None:
                raise KeyError(environment_id)
            env.admin_mode = on
            if not on:
                env.background_operations = True
