"""The profiles file: TOML in the platform config directory.

Writes are atomic (lcs_tui/atomic.py: temp file, flush, fsync, rename), so
a crash or a full disk never leaves half a file. A broken file is reported
with its path, line and key, because users edit it by hand.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lcs_tui.atomic import write_atomically
from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD
from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES
from lcs_tui.config.keymap import Keymap, parse_keys, render_keys
from lcs_tui.config.profile import (
    BACKEND_LCS,
    BACKEND_POWERPLATFORM,
    BACKENDS,
    Profile,
    ProfileError,
    default_authority,
    make_profile,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only; tomli is the same parser, backported
    import importlib

    tomllib = importlib.import_module("tomli")

APP_NAME = "lcs-tui"
CONFIG_DIR_ENV = "LCS_TUI_CONFIG_DIR"
FILE_NAME = "profiles.toml"
FORMAT_VERSION = 1

_REQUIRED = ("tenant", "client_id", "project_id", "sign_in_method")
_OPTIONAL = (
    "username",
    "geography",
    "api_host",
    "authority",
    "proxy",
    "ca_bundle",
    "secret_store",
    "download_hosts",
    "backend",
)
_KNOWN = (*_REQUIRED, *_OPTIONAL)
#: A Power Platform profile (`backend = "powerplatform"`): no project, no
#: geography; a cloud, and the hosts only when outside the cloud table.
_PP_REQUIRED = ("tenant", "client_id")
_PP_OPTIONAL = (
    "backend",
    "cloud",
    "sign_in_method",
    "username",
    "api_host",
    "bap_host",
    "authority",
    "proxy",
    "ca_bundle",
    "secret_store",
)
#: A Power Platform profile without sign_in_method signs in by device code.
_PP_DEFAULT_METHOD = "device-code"


class ConfigError(Exception):
    """The configuration cannot be used; says which file, line and key."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        self.hint = hint
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            if key is not None:
                where += f", key {key!r}"
            where += ": "
        super().__init__(where + message)


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    # platformdirs honours XDG_CONFIG_HOME on Linux.
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_path() -> Path:
    return config_dir() / FILE_NAME


@dataclass(frozen=True)
class Config:
    """All profiles, the default, and the user's keys. Immutable: edits return a new Config."""

    path: Path
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    default: str | None = None
    #: The `[keys]` table: action name → keys (see keymap.py, docs/configuration.md).
    keys: Keymap = field(default_factory=Keymap)

    def get(self, name: str | None = None) -> Profile:
        """The named profile, or the default one; ConfigError when there is none."""
        if name is None:
            if not self.profiles:
                raise ConfigError(
                    "no profile yet",
                    hint="create one with: lcs-tui profile add",
                )
            if self.default is None or self.default not in self.profiles:
                raise ConfigError(
                    "no default profile",
                    hint="pick one with --profile NAME or: lcs-tui profile default NAME "
                    f"(profiles: {', '.join(sorted(self.profiles))})",
                )
            name = self.default
        profile = self.profiles.get(name)
        if profile is None:
            known = ", ".join(sorted(self.profiles)) or "none yet"
            raise ConfigError(
                f"no profile named {name!r}",
                hint=f"known profiles: {known}; create one with: lcs-tui profile add {name}",
            )
        return profile

    def with_profile(self, profile: Profile, *, make_default: bool = False) -> Config:
        profiles = {**self.profiles, profile.name: profile}
        default = self.default
        if make_default or default is None or default not in profiles:
            default = profile.name
        return replace(self, profiles=profiles, default=default)

    def without_profile(self, name: str) -> Config:
        profiles = {k: v for k, v in self.profiles.items() if k != name}
        default = self.default if self.default in profiles else None
        if default is None and len(profiles) == 1:
            default = next(iter(profiles))
        return replace(self, profiles=profiles, default=default)

    def with_default(self, name: str) -> Config:
        self.get(name)  # raises when unknown
        return replace(self, default=name)


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the profiles file: {exc}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_decode_error(exc)
        raise ConfigError(f"not valid TOML: {exc}", path=path, line=line) from None
    except RecursionError:
        # tomllib recurses per nested array or inline table; no profile needs that.
        raise ConfigError(
            "not a profiles file: its arrays or tables are nested too deeply",
            path=path,
            hint="fix the file in an editor, or move it away and add the profiles again "
            "with: lcs-tui profile add",
        ) from None
    return _parse(data, text, path)


def save_config(config: Config, path: Path | None = None) -> None:
    path = path or config.path
    _atomic_write(path, _render(config))


def _parse(data: dict[str, Any], text: str, path: Path) -> Config:
    def fail(message: str, table: str | None, key: str | None) -> ConfigError:
        return ConfigError(message, path=path, line=_locate(text, table, key), key=key)

    for key in data:
        if key not in ("version", "default", "profiles", "keys"):
            raise fail(f"unknown setting {key!r}", None, key)
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise fail(
            f"format version {version!r} is not supported by this lcs-tui "
            f"(expects {FORMAT_VERSION}); upgrade lcs-tui",
            None,
            "version",
        )
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise fail("'profiles' must be a table of [profiles.NAME] sections", None, "profiles")
    profiles: dict[str, Profile] = {}
    for name, table in tables.items():
        section = f"profiles.{name}"
        if not isinstance(table, dict):
            raise fail(f"[{section}] must be a table", None, f"profiles.{name}")
        profiles[name] = _parse_profile(name, table, fail)
    default = data.get("default")
    if default is not None and (not isinstance(default, str) or default not in profiles):
        raise fail(f"default {default!r} is not one of the profiles", None, "default")
    keys = Keymap(path=path)
    if "keys" in data:
        keys = parse_keys(data["keys"], path, fail, lambda action: _locate(text, "keys", action))
    return Config(path=path, profiles=profiles, default=default, keys=keys)


_Fail = Callable[[str, "str | None", "str | None"], ConfigError]


def _parse_profile(name: str, table: dict[str, Any], fail: _Fail) -> Profile:
    section = f"profiles.{name}"
    backend = table.get("backend", BACKEND_LCS)
    if backend not in BACKENDS:
        raise fail(
            f"unknown backend {backend!r}; one of: {', '.join(BACKENDS)}", section, "backend"
        )
    if backend == BACKEND_POWERPLATFORM:
        return _parse_powerplatform(name, table, fail)
    for key in table:
        if key not in _KNOWN:
            raise fail(
                f"unknown key {key!r} in [{section}]; known keys: {', '.join(_KNOWN)}",
                section,
                key,
            )
    for key in _REQUIRED:
        if key not in table:
            raise fail(f"[{section}] is missing {key!r}", section, key)
    hosts = table.get("download_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise fail(
            'download_hosts must be a list of quoted host names, e.g. ["backups.example.net"]',
            section,
            "download_hosts",
        )
    for key, value in table.items():
        if key == "download_hosts":
            continue
        wanted = int if key == "project_id" else str
        if not isinstance(value, wanted) or isinstance(value, bool):
            kind = "a whole number" if wanted is int else "a quoted string"
            raise fail(f"{key} must be {kind}, not {value!r}", section, key)
    geography: str = table.get("geography", "global")
    geo = GEOGRAPHIES.get(geography)
    api_host = table.get("api_host") or (geo.api_host if geo else None)
    if api_host is None:
        raise fail(f"geography {geography!r} needs an api_host", section, "geography")
    authority = table.get("authority") or (geo or GEOGRAPHIES["global"]).authority_for(
        table["tenant"]
    )
    try:
        return Profile(
            name=name,
            tenant=table["tenant"],
            client_id=table["client_id"],
            username=table.get("username") or None,
            project_id=table["project_id"],
            geography=geography,
            api_host=api_host.rstrip("/"),
            authority=authority.rstrip("/"),
            sign_in_method=table["sign_in_method"],
            proxy=table.get("proxy") or None,
            ca_bundle=table.get("ca_bundle") or None,
            secret_store=table.get("secret_store", "keyring"),
            download_hosts=tuple(hosts),
        )
    except ProfileError as exc:
        raise fail(exc.message, section, exc.key) from None


def _parse_powerplatform(name: str, table: dict[str, Any], fail: _Fail) -> Profile:
    section = f"profiles.{name}"
    for key in table:
        if key not in _PP_OPTIONAL and key not in _PP_REQUIRED:
            hint = (
                "; a Power Platform profile has a cloud, no project or geography"
                if key in ("project_id", "geography", "download_hosts")
                else ""
            )
            raise fail(
                f"unknown key {key!r} in [{section}]{hint}; known keys: "
                f"{', '.join((*_PP_REQUIRED, *_PP_OPTIONAL))}",
                section,
                key,
            )
    for key in _PP_REQUIRED:
        if key not in table:
            raise fail(f"[{section}] is missing {key!r}", section, key)
    for key, value in table.items():
        if not isinstance(value, str):
            raise fail(f"{key} must be a quoted string, not {value!r}", section, key)
    try:
        return make_profile(
            name=name,
            backend=BACKEND_POWERPLATFORM,
            tenant=table["tenant"],
            client_id=table["client_id"],
            sign_in_method=table.get("sign_in_method", _PP_DEFAULT_METHOD),
            username=table.get("username") or None,
            cloud=table.get("cloud"),
            api_host=table.get("api_host") or None,
            bap_host=table.get("bap_host") or None,
            authority=table.get("authority") or None,
            proxy=table.get("proxy") or None,
            ca_bundle=table.get("ca_bundle") or None,
            secret_store=table.get("secret_store", "keyring"),
        )
    except ProfileError as exc:
        raise fail(exc.message, section, exc.key) from None


def _render_powerplatform(p: Profile) -> list[tuple[str, str | int | None]]:
    cloud = CLOUDS.get(p.cloud or "")
    custom_api = cloud is None or cloud.api_host != p.api_host
    custom_bap = cloud is None or cloud.bap_host != p.bap_host
    if cloud is None and p.bap_host == p.api_host:
        custom_bap = False  # derived from api_host again when read
    return [
        ("backend", BACKEND_POWERPLATFORM),
        ("tenant", p.tenant),
        ("client_id", p.client_id),
        ("username", p.username),
        ("cloud", p.cloud if p.cloud != CUSTOM_CLOUD else None),
        ("api_host", p.api_host if custom_api else None),
        ("bap_host", p.bap_host if custom_bap else None),
        ("authority", p.authority if p.authority != default_authority(p) else None),
        ("sign_in_method", p.sign_in_method),
        ("secret_store", p.secret_store),
        ("proxy", p.proxy),
        ("ca_bundle", p.ca_bundle),
    ]


def _render(config: Config) -> str:
    lines = [
        "# lcs-tui profiles, written by `lcs-tui profile`; hand edits are fine.",
        "# No secrets here: passwords, client secrets and tokens live in the",
        "# secret store each profile names (see docs/sign-in.md).",
        f"version = {FORMAT_VERSION}",
    ]
    if config.default is not None:
        lines.append(f"default = {_toml_string(config.default)}")
    for name in sorted(config.profiles):
        p = config.profiles[name]
        lines += ["", f"[profiles.{name}]"]
        if p.is_powerplatform:
            for key, value in _render_powerplatform(p):
                if value is not None:
                    lines.append(f"{key} = {_toml_string(str(value))}")
            continue
        values: list[tuple[str, str | int | None]] = [
            ("tenant", p.tenant),
            ("client_id", p.client_id),
            ("username", p.username),
            ("project_id", p.project_id),
            ("geography", p.geography),
            # Derived values are left out so that a hand edit of the tenant or
            # geography carries through.
            ("api_host", p.api_host if _custom_host(p) else None),
            ("authority", p.authority if p.authority != default_authority(p) else None),
            ("sign_in_method", p.sign_in_method),
            ("secret_store", p.secret_store),
            ("proxy", p.proxy),
            ("ca_bundle", p.ca_bundle),
        ]
        for key, value in values:
            if value is None:
                continue
            rendered = str(value) if isinstance(value, int) else _toml_string(value)
            lines.append(f"{key} = {rendered}")
        if p.download_hosts:
            listed = ", ".join(_toml_string(h) for h in p.download_hosts)
            lines.append(f"download_hosts = [{listed}]")
    # Written by hand, kept by every `lcs-tui profile` change.
    lines += render_keys(config.keys, _toml_string)
    return "\n".join(lines) + "\n"


def _custom_host(p: Profile) -> bool:
    geo = GEOGRAPHIES.get(p.geography)
    return p.geography == CUSTOM or geo is None or geo.api_host != p.api_host


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"))


_DECODE_LINE = re.compile(r"line (\d+)")


def _line_of_decode_error(exc: Exception) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python >= 3.14
    if isinstance(lineno, int):
        return lineno
    match = _DECODE_LINE.search(str(exc))
    return int(match.group(1)) if match else None


def _locate(text: str, table: str | None, key: str | None) -> int | None:
    """Best-effort line number of `key` inside [table], else of the table header.

    tomllib reports no positions for valid TOML with wrong values, so find the
    line the way a reader would: the section header, then the key below it.
    """
    lines = text.splitlines()
    start = 0
    if table is not None:
        header = re.compile(rf"^\s*\[\s*{_dotted_pattern(table)}\s*\]\s*(#.*)?$")
        found = next((i for i, line in enumerate(lines) if header.match(line)), None)
        if found is None:
            return None
        if key is None:
            return found + 1
        start = found + 1
    if key is None:
        return None
    key_line = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for i in range(start, len(lines)):
        if table is not None and re.match(r"^\s*\[", lines[i]):
            break
        if key_line.match(lines[i]):
            return i + 1
    return start if table is not None else None


def _dotted_pattern(dotted: str) -> str:
    parts = dotted.split(".", 1)
    return r"\s*\.\s*".join(rf"[\"']?{re.escape(p)}[\"']?" for p in parts)
