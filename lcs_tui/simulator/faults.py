"""Fault injection: switches a test flips to make the simulated services misbehave.

Counted faults fire on the next matching requests and disarm themselves
(each firing decrements its count). Unless a `path_prefix` says otherwise,
request faults apply to the LCS API only (paths under /databasemovement/,
/environmentinfo/ and /environment/), never to sign-in or blob traffic, so a
test that breaks the API does not also break the sign-in before it.
`path_prefix="/"` matches every request; a tuple matches any of its
prefixes (`POWER_PLATFORM`: the Power Platform API, BAP and Dataverse, with
or without the loopback server's mounts).

The Power Platform switches (`wrong_audience`, `empty_conflicts`,
`poll_style_next`, `validate_only_accepted`, `status_word`) target the
Power Platform side unless told otherwise.

All switches are safe to flip from a test thread while the loopback server
runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

MalformedKind = Literal[
    "truncated-json", "html", "empty", "not-an-object", "wrong-types", "deep-json"
]
MALFORMED_KINDS: tuple[MalformedKind, ...] = (
    "truncated-json",
    "html",
    "empty",
    "not-an-object",
    "wrong-types",
    "deep-json",
)

#: Path prefixes of the LCS API: the default target of request faults.
LCS_API_PREFIXES = ("/databasemovement/", "/environmentinfo/", "/environment/")
#: Path prefixes of the rate-limited environment API (the target of `throttle`).
ENVIRONMENT_API_PREFIXES = ("/environmentinfo/", "/environment/")
#: Path prefixes of the Power Platform side: the Power Platform API, BAP and
#: Dataverse, as called in-process and under the loopback server's mounts.
POWER_PLATFORM: tuple[str, ...] = (
    "/environmentmanagement/",
    "/powerplatform/",
    "/providers/Microsoft.BusinessAppPlatform/",
    "/bap/",
    "/api/data/",
    "/dataverse/",
)
#: How a Power Platform operation's poll URL answers (see `poll_style_next`).
PollStyle = Literal["status", "state", "conflict-while-running", "gone-when-done"]
POLL_STYLES: tuple[PollStyle, ...] = ("status", "state", "conflict-while-running", "gone-when-done")
PathPrefix = str | tuple[str, ...] | None


@dataclass
class _Armed:
    """One armed fault and how often it still fires."""

    remaining: int | None  # None: until cleared
    path_prefix: PathPrefix
    status: int = 0
    kind: MalformedKind = "truncated-json"
    seconds: float = 0.0
    nbytes: int = 0
    gate: threading.Event | None = None
    text: str = ""


def _matches(path: str, path_prefix: PathPrefix, default: tuple[str, ...]) -> bool:
    if path_prefix is None:
        return path.startswith(default)
    return path.startswith(path_prefix)


class Faults:
    """The switchboard. See each method; `clear()` disarms everything."""

    def __init__(self, on_unknown_status: Callable[[str, float], None]) -> None:
        self._lock = threading.Lock()
        self._on_unknown_status = on_unknown_status
        self._drop_after: list[_Armed] = []
        self._drop_before: list[_Armed] = []
        self._server_errors: list[_Armed] = []
        self._malformed: list[_Armed] = []
        self._throttle: list[_Armed] = []
        self._slow: list[_Armed] = []
        self._held: list[_Armed] = []
        self._blob_cut: list[_Armed] = []
        self._fail_next: list[bool] = []  # one entry per operation: rollback?
        self._wrong_audience: list[_Armed] = []
        self._empty_conflicts: list[_Armed] = []
        self._poll_styles: list[PollStyle] = []
        self._validate_only_accepted: list[_Armed] = []
        self._status_words: list[_Armed] = []
        #: Every request fails with a connection error, as if the network were down.
        self.offline = False
        #: The blob endpoint ignores `Range` and answers 200 with the whole body.
        self.blob_ignore_range = False
        #: Whether the environment API enforces its documented rate limits.
        self.limits_enabled = True
        self._version_eol: datetime | None = None

    # --- arming -------------------------------------------------------------------

    def drop_after_action(self, n: int = 1, path_prefix: PathPrefix = None) -> None:
        """The service performs the next `n` requests (e.g. starts the operation),
        then the connection drops without an answer. In-process the transport
        raises `httpx.RemoteProtocolError`; the server closes the socket unwritten.
        Such a request is logged with status 0."""
        with self._lock:
            self._drop_after.append(_Armed(n, path_prefix))

    def drop_before_action(self, n: int = 1, path_prefix: PathPrefix = None) -> None:
        """The next `n` requests fail to connect (`httpx.ConnectError` in-process;
        the server closes the socket before reading); nothing happens, nothing is logged."""
        with self._lock:
            self._drop_before.append(_Armed(n, path_prefix))

    def server_errors(self, n: int = 1, status: int = 503, path_prefix: PathPrefix = None) -> None:
        """The next `n` requests get a 5xx with an HTML body, like a gateway
        answering for a sick backend. The service does nothing."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        with self._lock:
            self._server_errors.append(_Armed(n, path_prefix, status=status))

    def malformed(
        self, n: int = 1, kind: MalformedKind = "truncated-json", path_prefix: PathPrefix = None
    ) -> None:
        """The next `n` answers are mangled after the service acted:
        "truncated-json" (the JSON cut in half), "html" (an HTML page, status 200),
        "empty" (200, no body), "not-an-object" (valid JSON, a list holding the
        answer), "wrong-types" (valid JSON, but booleans are strings, lists are
        numbers and integers are strings: `IsSuccess: "True"`, `DatabaseAssets: 3`),
        "deep-json" (valid JSON: the answer inside 100,000 nested arrays)."""
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"kind must be one of {MALFORMED_KINDS}")
        with self._lock:
            self._malformed.append(_Armed(n, path_prefix, kind=kind))

    def throttle(
        self, n: int = 1, retry_after: int | str = 30, path_prefix: PathPrefix = None
    ) -> None:
        """The next `n` environment-API calls (detail, history, start, stop)
        answer 429 with `Retry-After: retry_after`, whatever the real limits say.
        A string is sent as it is: "0", "-1", "nan", "inf", "1e9", an HTTP-date
        or garbage, as a broken or hostile server might. `path_prefix` limits
        it to some calls (e.g. one project's: `/environmentinfo/v1/detail/project/ID`)."""
        with self._lock:
            self._throttle.append(_Armed(n, path_prefix, text=str(retry_after)))

    def slow(self, seconds: float, n: int | None = None, path_prefix: PathPrefix = None) -> None:
        """Delay answers by `seconds` (real time): the next `n` requests, or all
        of them until `clear()` when `n` is None."""
        with self._lock:
            self._slow.append(_Armed(n, path_prefix, seconds=seconds))

    def hold(self, n: int | None = 1, path_prefix: PathPrefix = None) -> threading.Event:
        """Hold back the answers to the next `n` requests (all until `clear()`
        when None) until the returned event is set. The service acts at once;
        only its answer waits — like `slow`, but for exactly as long as a test
        needs, whatever the machine's speed. `clear()` releases them."""
        gate = threading.Event()
        with self._lock:
            self._held.append(_Armed(n, path_prefix, gate=gate))
        return gate

    def unknown_status(self, word: str = "ServicingInProgress", minutes: float = 30.0) -> None:
        """Operations show the undocumented status `word` for `minutes` of
        simulated time, then carry on where they were (their timeline shifts).
        Applies to every unfinished operation from now, and to operations
        started within the next `minutes` (from their start)."""
        self._on_unknown_status(word, minutes)

    def fail_next_operations(self, n: int = 1, rollback: bool = False) -> None:
        """The next `n` operations started through the API fail part-way
        (InProgress → Failed), or roll back (→ RollbackInProgress →
        RollbackCompleted) when `rollback` is true."""
        with self._lock:
            self._fail_next.extend([rollback] * n)

    def blob_cut_after(self, nbytes: int, n: int = 1) -> None:
        """The next `n` blob downloads stop after `nbytes` body bytes and the
        connection drops (headers announce the full length)."""
        with self._lock:
            self._blob_cut.append(_Armed(n, None, nbytes=nbytes))

    def version_eol(self, moment: datetime | None) -> None:
        """Answer `VersionEOL` with a real date (None restores 9999-12-31...)."""
        with self._lock:
            self._version_eol = moment

    # --- the Power Platform side ------------------------------------------------------

    def wrong_audience(self, n: int = 1, path_prefix: PathPrefix = None) -> None:
        """The next `n` calls answer 401 as if their token had been acquired
        for the wrong audience, whatever it was for. Default: the Power
        Platform side; a prefix such as "/databasemovement/" aims it at LCS."""
        with self._lock:
            self._wrong_audience.append(_Armed(n, path_prefix))

    def empty_conflicts(self, n: int = 1) -> None:
        """The next `n` 409 `OperationNotStartable` answers (an operation is
        already running on the environment) come with no body at all, as
        BAP sometimes sends them."""
        with self._lock:
            self._empty_conflicts.append(_Armed(n, None))

    def poll_style_next(self, style: PollStyle, n: int = 1) -> None:
        """The next `n` Power Platform operations started through the API
        answer their poll URLs in `style`: "state" (the status spelled
        `state`), "conflict-while-running" (409 with no body until finished,
        then 200) or "gone-when-done" (404 once finished); "status" is the
        default."""
        if style not in POLL_STYLES:
            raise ValueError(f"style must be one of {POLL_STYLES}")
        with self._lock:
            self._poll_styles.extend([style] * n)

    def validate_only_accepted(self, n: int = 1) -> None:
        """The next `n` validate-only copies or restores answer 202 with an
        operation to poll (it ends `ValidationPassed`) instead of 200."""
        with self._lock:
            self._validate_only_accepted.append(_Armed(n, None))

    def status_word(self, word: str, n: int = 1, path_prefix: PathPrefix = None) -> None:
        """The next `n` answers about one Power Platform operation (its poll
        URLs, PP and BAP) show `word` as its status, an undocumented word;
        the operation itself goes on as planned."""
        with self._lock:
            self._status_words.append(_Armed(n, path_prefix, text=word))

    def clear(self) -> None:
        """Disarm every fault and restore every switch to its default."""
        with self._lock:
            for armed in (
                self._drop_after,
                self._drop_before,
                self._server_errors,
                self._malformed,
                self._throttle,
                self._slow,
                self._blob_cut,
                self._wrong_audience,
                self._empty_conflicts,
                self._validate_only_accepted,
                self._status_words,
            ):
                armed.clear()
            self._poll_styles.clear()
            for held in self._held:
                assert held.gate is not None
                held.gate.set()
            self._held.clear()
            self._fail_next.clear()
            self.offline = False
            self.blob_ignore_range = False
            self.limits_enabled = True
            self._version_eol = None

    # --- firing (used by the service) ---------------------------------------------

    def take_drop_before(self, path: str) -> bool:
        return self._take(self._drop_before, path, LCS_API_PREFIXES) is not None

    def take_drop_after(self, path: str) -> bool:
        return self._take(self._drop_after, path, LCS_API_PREFIXES) is not None

    def take_server_error(self, path: str) -> int | None:
        armed = self._take(self._server_errors, path, LCS_API_PREFIXES)
        return None if armed is None else armed.status

    def take_malformed(self, path: str) -> MalformedKind | None:
        armed = self._take(self._malformed, path, LCS_API_PREFIXES)
        return None if armed is None else armed.kind

    def take_throttle(self, path: str) -> str | None:
        """The `Retry-After` value of an armed throttle fault, as it is to be sent."""
        armed = self._take(self._throttle, path, ENVIRONMENT_API_PREFIXES)
        return None if armed is None else armed.text

    def take_delay(self, path: str) -> float:
        armed = self._take(self._slow, path, LCS_API_PREFIXES)
        return 0.0 if armed is None else armed.seconds

    def take_gate(self, path: str) -> threading.Event | None:
        armed = self._take(self._held, path, LCS_API_PREFIXES)
        return None if armed is None else armed.gate

    def take_blob_cut(self) -> int | None:
        armed = self._take(self._blob_cut, "/", ("/",))
        return None if armed is None else armed.nbytes

    def take_forced_failure(self) -> Literal["failure", "rollback"] | None:
        with self._lock:
            if not self._fail_next:
                return None
            return "rollback" if self._fail_next.pop(0) else "failure"

    def take_wrong_audience(self, path: str, default: tuple[str, ...] = POWER_PLATFORM) -> bool:
        return self._take(self._wrong_audience, path, default) is not None

    def take_empty_conflict(self) -> bool:
        return self._take(self._empty_conflicts, "/", ("/",)) is not None

    def take_poll_style(self) -> PollStyle | None:
        with self._lock:
            return self._poll_styles.pop(0) if self._poll_styles else None

    def take_validate_only_accepted(self) -> bool:
        return self._take(self._validate_only_accepted, "/", ("/",)) is not None

    def take_status_word(self, path: str) -> str | None:
        armed = self._take(self._status_words, path, POWER_PLATFORM)
        return None if armed is None else armed.text

    @property
    def current_version_eol(self) -> datetime | None:
        with self._lock:
            return self._version_eol

    def _take(self, armed_list: list[_Armed], path: str, default: tuple[str, ...]) -> _Armed | None:
        with self._lock:
            for armed in armed_list:
                if not _matches(path, armed.path_prefix, default):
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        armed_list.remove(armed)
                return armed
        return None
