"""Which download links lcs-tui fetches: https only, from the profile's blob storage.

A backup's `FileLocation` comes from LCS, but it is still server text: an
`http://` link would send the database (and the link's signature) in clear;
`file:` or `ftp:` would be tried as if they were network trouble; a link to
some other host would hand that host a signed request and take whatever it
sends as the backup. So a link is refused at once — before any request —
unless it is https and its host is an Azure Storage host of the profile's
cloud (for a custom API host such as the simulator: that host), or a host
the user allowed (the profile's `download_hosts`, the CLI's `--allow-host`).
Refusals show the link with its signature redacted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lcs_tui.api.redact import redact_url
from lcs_tui.download.errors import LinkRefused
from lcs_tui.untrusted import inert

#: Azure Storage blob endpoints by cloud (LCS-API.md: FileLocation is a blob SAS).
PUBLIC_CLOUD = "*.blob.core.windows.net"
US_GOVERNMENT_CLOUD = "*.blob.core.usgovcloudapi.net"
CHINA_CLOUD = "*.blob.core.chinacloudapi.cn"
#: Geography key → the blob host pattern of its cloud.
CLOUD_OF_GEOGRAPHY = {"cn": CHINA_CLOUD, "usgov": US_GOVERNMENT_CLOUD}


def shown_link(url: str) -> str:
    """A link as it may be printed: signature redacted, controls made visible."""
    return inert(redact_url(url), limit=300)


def host_matches(host: str, pattern: str) -> bool:
    """`pattern` is a host name, or `*.` and a domain (any host below it)."""
    host, pattern = host.lower().rstrip("."), pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def check_scheme(url: str) -> str:
    """The link's host; LinkRefused unless it is an https URL with a host."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme.lower() != "https":
        scheme = parts.scheme if parts is not None and parts.scheme else "no scheme"
        raise LinkRefused(
            f"Refused the download link {shown_link(url)}: it is not an https link "
            f"({inert(scheme, limit=20)}); lcs-tui downloads backups over https only, so that "
            "neither the database nor the link's signature travels in clear",
            "LCS normally hands out https links: list the backups again; if the link stays "
            "the same, ask your LCS administrator",
            resumable=False,
        )
    if not host:
        raise LinkRefused(
            f"Refused the download link {shown_link(url)}: it names no host", resumable=False
        )
    return host


@dataclass(frozen=True)
class LinkPolicy:
    """The hosts a profile's download links may point at."""

    #: Host patterns (see `host_matches`) the link's host must match one of.
    allowed: tuple[str, ...]
    #: What the allowed hosts are, for the refusal: "Azure Storage of the public cloud".
    described: str
    #: How the user allows another host (the profile key, a CLI flag).
    how_to_allow: str = ""

    def check(self, url: str) -> None:
        """LinkRefused unless `url` is https and its host is allowed."""
        host = check_scheme(url)
        if any(host_matches(host, pattern) for pattern in self.allowed):
            return
        shown = inert(host, limit=100)
        raise LinkRefused(
            f"Refused the download link {shown_link(url)}: its host {shown} is not "
            f"{self.described}, so it may not be the backup",
            (f"if you trust {shown}, allow it: " + self.how_to_allow.format(host=shown))
            if self.how_to_allow
            else None,
            resumable=False,
        )

    def allowing(self, hosts: Iterable[str]) -> LinkPolicy:
        extra = tuple(h.strip().lower() for h in hosts if h.strip())
        return LinkPolicy((*self.allowed, *extra), self.described, self.how_to_allow)
