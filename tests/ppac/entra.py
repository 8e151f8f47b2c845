"""A fake Entra ID token endpoint for service principals (client credentials).

The project's simulator signs users in (password, device code, refresh
tokens); this answers the one grant a service principal uses, through
MSAL's real HTTP calls: the OpenID configuration, then the token endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx

AUTHORITY_HOST = "https://login.entra.test"
CLIENT_ID = "22222222-3333-4444-5555-666666666666"
SECRET = "s3cr3t-Value~of.the.app"


@dataclass
class FakeEntra:
    tenant: str = "contoso.onmicrosoft.com"
    secret: str = SECRET
    issued: list[str] = field(default_factory=list)
    token_posts: int = 0

    @property
    def authority(self) -> str:
        return f"{AUTHORITY_HOST}/{self.tenant}"

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/.well-known/openid-configuration"):
            base = f"{AUTHORITY_HOST}/{self.tenant}"
            return httpx.Response(
                200,
                json={
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{AUTHORITY_HOST}/{self.tenant}/v2.0",
                },
            )
        if path.endswith("/oauth2/v2.0/token"):
            self.token_posts += 1
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            if form.get("grant_type") != "client_credentials":
                return httpx.Response(400, json={"error": "unsupported_grant_type"})
            if form.get("client_secret") != self.secret:
                return httpx.Response(
                    401,
                    json={
                        "error": "invalid_client",
                        "error_description": "AADSTS7000215: Invalid client secret provided. "
                        "Ensure the secret being sent in the request is the client secret "
                        "value, not the client secret ID.",
                        "error_codes": [7000215],
                    },
                )
            scope = form.get("scope", "")
            token = f"app-token:{scope}:{len(self.issued)}"
            self.issued.append(token)
            return httpx.Response(
                200, json={"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
            )
        return httpx.Response(404, json={"error": "not_found"})
