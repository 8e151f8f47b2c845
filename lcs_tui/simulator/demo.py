"""Constants of the simulated world: tenant, apps, users, project, hosts.

Every value here is fake and made to look fake (GUIDs full of zeros and
"d365", passwords that say "demo"). The app's demo mode, the tests and the
`lcs-tui simulator` command all sign in with these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# --- Entra ID (the sign-in side) ---------------------------------------------

TENANT_ID: Final = "00000000-d365-4000-8000-000000000001"
TENANT_DOMAIN: Final = "contoso.onmicrosoft.com"

#: Public client app: "Allow public client flows" on, LCS permission consented.
CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000c1"
#: Confidential app (the Postman walkthrough's variant): needs CLIENT_SECRET.
CONFIDENTIAL_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000c2"
CLIENT_SECRET: Final = "demo~secret~not~real~0000000000000000"
#: Public client app whose LCS permission was never consented (AADSTS65001).
NO_CONSENT_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000c3"
#: App with "Allow public client flows" off and no secret (AADSTS7000218).
NO_PUBLIC_FLOWS_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000c4"

#: The real app id of "Dynamics Lifecycle services" (public knowledge; it
#: appears in Entra's error texts).
LCS_APP_ID: Final = "913c6de4-2a4a-4a61-a9ce-945d2b2ce2e0"

#: Project owner: everything works.
USERNAME: Final = "admin@contoso.com"
PASSWORD: Final = "demo-password-admin"
#: Has MFA: ROPC answers AADSTS50076, the device code flow works.
MFA_USERNAME: Final = "mfa.user@contoso.com"
MFA_PASSWORD: Final = "demo-password-mfa"
#: Signs in fine but is not a member of the project.
NOT_IN_PROJECT_USERNAME: Final = "outsider@contoso.com"
NOT_IN_PROJECT_PASSWORD: Final = "demo-password-outsider"

# --- LCS ------------------------------------------------------------------------

PROJECT_ID: Final = 1234567
PROJECT_NAME: Final = "Contoso Finance and Operations (demo)"

API_HOST: Final = "https://lcsapi.lcs.dynamics.com"
EU_API_HOST: Final = "https://lcsapi.eu.lcs.dynamics.com"
AUTHORITY_HOST: Final = "https://login.microsoftonline.com"
AUTHORITY: Final = f"{AUTHORITY_HOST}/{TENANT_ID}"
#: The scope for the global API host; note the real double slash.
SCOPE: Final = f"{API_HOST}//.default"
#: Host of the SAS download links handed out in `FileLocation` (in-process).
BLOB_HOST: Final = "https://lcsdemoassets.blob.core.windows.net"
#: Blob container; the first path segment of every blob URL.
BLOB_CONTAINER: Final = "lcsdbbackups"
#: Verification URI of the device code flow when served in-process.
DEVICE_LOGIN_URL: Final = "https://microsoft.com/devicelogin"

# --- The seeded demo project (Simulator.demo()) --------------------------------
# Ids deliberately mix the dashed and undashed forms LCS uses.

PROD_ENVIRONMENT_ID: Final = "d365a0000000400080000000000000a1"
UAT_ENVIRONMENT_ID: Final = "00000000-d365-4000-8000-0000000000b2"
TEST_ENVIRONMENT_ID: Final = "d365b0000000400080000000000000b3"
TRAIN_ENVIRONMENT_ID: Final = "00000000-d365-4000-8000-0000000000b4"
PERF_ENVIRONMENT_ID: Final = "d365b0000000400080000000000000b5"
DEV_ENVIRONMENT_ID: Final = "00000000-d365-4000-8000-0000000000c6"
BUILD_ENVIRONMENT_ID: Final = "d365c0000000400080000000000000c7"

PROD_ENVIRONMENT_NAME: Final = "CONTOSO-PROD"
UAT_ENVIRONMENT_NAME: Final = "CONTOSO-UAT"
TEST_ENVIRONMENT_NAME: Final = "CONTOSO-TEST"
TRAIN_ENVIRONMENT_NAME: Final = "CONTOSO-TRAIN"
PERF_ENVIRONMENT_NAME: Final = "CONTOSO-PERF"
DEV_ENVIRONMENT_NAME: Final = "CONTOSO-DEV01"
BUILD_ENVIRONMENT_NAME: Final = "CONTOSO-BUILD"

# --- The second demo project (Simulator.demo(fabrikam=True)) -------------------
# Same tenant, same users (both demo users are members of both projects).

FABRIKAM_PROJECT_ID: Final = 2345678
FABRIKAM_PROJECT_NAME: Final = "Fabrikam Retail Operations (demo)"

FAB_PROD_ENVIRONMENT_ID: Final = "fab0a0000000400080000000000000a1"
FAB_UAT_ENVIRONMENT_ID: Final = "00000000-fab0-4000-8000-0000000000b2"
FAB_TEST_ENVIRONMENT_ID: Final = "fab0b0000000400080000000000000b3"
FAB_TRAIN_ENVIRONMENT_ID: Final = "00000000-fab0-4000-8000-0000000000b4"
FAB_STAGE_ENVIRONMENT_ID: Final = "fab0b0000000400080000000000000b5"

FAB_PROD_ENVIRONMENT_NAME: Final = "FAB-PROD"
FAB_UAT_ENVIRONMENT_NAME: Final = "FAB-UAT"
FAB_TEST_ENVIRONMENT_NAME: Final = "FAB-TEST"
FAB_TRAIN_ENVIRONMENT_NAME: Final = "FAB-TRAIN"
FAB_STAGE_ENVIRONMENT_NAME: Final = "FAB-STAGE"


@dataclass(frozen=True)
class DemoProject:
    """One seeded demo project, as a demo workspace (or a profile) names it."""

    #: The profile name a demo workspace for it goes by.
    profile: str
    project_id: int
    name: str


CONTOSO: Final = DemoProject("contoso", PROJECT_ID, PROJECT_NAME)
FABRIKAM: Final = DemoProject("fabrikam", FABRIKAM_PROJECT_ID, FABRIKAM_PROJECT_NAME)
#: Every project of `Simulator.demo(fabrikam=True)`, in the order a demo opens them.
DEMO_PROJECTS: Final = (CONTOSO, FABRIKAM)
