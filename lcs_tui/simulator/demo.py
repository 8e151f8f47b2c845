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

# --- The tenant's Power Platform side (Simulator.demo(powerplatform=True)) --------
# The same tenant, users and public client as LCS; see docs/simulator.md
# ("Power Platform"). In-process the public hosts below are answered; the
# loopback server serves the same APIs under PP_MOUNT and BAP_MOUNT.

#: Power Platform API host (in-process) and its token audience.
PP_API_HOST: Final = "https://api.powerplatform.com"
PP_SCOPE: Final = f"{PP_API_HOST}/.default"
#: BAP admin API host (in-process) and its audience: PowerApps, not its own host.
BAP_HOST: Final = "https://api.bap.microsoft.com"
POWERAPPS_RESOURCE: Final = "https://service.powerapps.com"
BAP_SCOPE: Final = f"{POWERAPPS_RESOURCE}/.default"
#: Path prefixes under which the loopback server serves them (also in-process).
PP_MOUNT: Final = "/powerplatform"
BAP_MOUNT: Final = "/bap"
DATAVERSE_MOUNT: Final = "/dataverse"
#: The api-version of the Power Platform API calls (and the older preview one).
PP_API_VERSION: Final = "2024-10-01"
PP_PREVIEW_API_VERSION: Final = "2022-03-01-preview"
#: The real app id of the "Power Platform API" enterprise app (public knowledge).
PP_API_APP_ID: Final = "8578e004-a5c6-46e7-913e-12f58912df43"

#: Service principal registered as an admin management application (BAP and
#: the Power Platform API accept it). Demo values, not real.
SPN_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000d1"
SPN_SECRET: Final = "demo~spn~secret~not~real~000000000000"
#: Service principal with a secret but no registration and no role: BAP
#: answers 403 "does not have permission to access the path", the PP API 403.
UNREGISTERED_SPN_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000d2"
UNREGISTERED_SPN_SECRET: Final = "demo~spn~unregistered~not~real~00000"
#: Service principal with the Power Platform Contributor role at tenant scope
#: but not registered: the PP API accepts it, BAP does not.
RBAC_SPN_CLIENT_ID: Final = "00000000-d365-4000-8000-0000000000d3"
RBAC_SPN_SECRET: Final = "demo~spn~rbac~only~not~real~0000000000"

# Environment ids of the tenant (the BAP `name`, the PP API `id`). The
# LCS-linked ones carry the LCS environment id in linkedAppMetadata.id.
PP_DEFAULT_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000100"
PP_LCS_PROD_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000101"
PP_LCS_UAT_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000102"
PP_LCS_TEST_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000103"
PP_LCS_TRAIN_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000104"
PP_LCS_PERF_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000105"
PP_LCS_DEV_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000106"
PP_UPE_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000201"
PP_USE_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000202"
PP_USE_ADMIN_MODE_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000203"
PP_USE_MANAGED_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000204"
PP_USE_US_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000205"
PP_UDE_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000301"
PP_UDE_BUSY_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000302"
PP_DATAVERSE_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000401"
PP_TRIAL_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000402"
PP_DEVELOPER_ENVIRONMENT_ID: Final = "00000000-d365-4000-a000-000000000403"

PP_DEFAULT_ENVIRONMENT_NAME: Final = "Contoso (default)"
PP_UPE_ENVIRONMENT_NAME: Final = "CONTOSO-U-PROD"
PP_USE_ENVIRONMENT_NAME: Final = "CONTOSO-U-UAT"
PP_USE_ADMIN_MODE_ENVIRONMENT_NAME: Final = "CONTOSO-U-TEST"
PP_USE_MANAGED_ENVIRONMENT_NAME: Final = "CONTOSO-U-QA"
PP_USE_US_ENVIRONMENT_NAME: Final = "CONTOSO-US-UAT"
PP_UDE_ENVIRONMENT_NAME: Final = "CONTOSO-UDE-ANA"
PP_UDE_BUSY_ENVIRONMENT_NAME: Final = "CONTOSO-UDE-BEN"
PP_DATAVERSE_ENVIRONMENT_NAME: Final = "Contoso Sales"
PP_TRIAL_ENVIRONMENT_NAME: Final = "Contoso Trial"
PP_DEVELOPER_ENVIRONMENT_NAME: Final = "Ben's developer environment"

#: The LCS-linked environments: (PP environment id, LCS environment id, LCS
#: name). The linked ones carry the LCS name as their display name.
PP_LCS_LINKS: Final = (
    (PP_LCS_PROD_ENVIRONMENT_ID, PROD_ENVIRONMENT_ID, PROD_ENVIRONMENT_NAME),
    (PP_LCS_UAT_ENVIRONMENT_ID, UAT_ENVIRONMENT_ID, UAT_ENVIRONMENT_NAME),
    (PP_LCS_TEST_ENVIRONMENT_ID, TEST_ENVIRONMENT_ID, TEST_ENVIRONMENT_NAME),
    (PP_LCS_TRAIN_ENVIRONMENT_ID, TRAIN_ENVIRONMENT_ID, TRAIN_ENVIRONMENT_NAME),
    (PP_LCS_PERF_ENVIRONMENT_ID, PERF_ENVIRONMENT_ID, PERF_ENVIRONMENT_NAME),
    (PP_LCS_DEV_ENVIRONMENT_ID, DEV_ENVIRONMENT_ID, DEV_ENVIRONMENT_NAME),
)
#: Fabrikam's LCS environments as they appear in the tenant (with fabrikam=True).
PP_FABRIKAM_LINKS: Final = (
    ("00000000-d365-4000-a000-000000000501", FAB_PROD_ENVIRONMENT_ID, FAB_PROD_ENVIRONMENT_NAME),
    ("00000000-d365-4000-a000-000000000502", FAB_UAT_ENVIRONMENT_ID, FAB_UAT_ENVIRONMENT_NAME),
    ("00000000-d365-4000-a000-000000000503", FAB_TEST_ENVIRONMENT_ID, FAB_TEST_ENVIRONMENT_NAME),
    ("00000000-d365-4000-a000-000000000504", FAB_TRAIN_ENVIRONMENT_ID, FAB_TRAIN_ENVIRONMENT_NAME),
    ("00000000-d365-4000-a000-000000000505", FAB_STAGE_ENVIRONMENT_ID, FAB_STAGE_ENVIRONMENT_NAME),
)
