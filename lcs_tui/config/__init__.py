"""Profiles: which LCS project (or Power Platform tenant), geography (or
cloud), tenant, app and sign-in method.

Stored as TOML in the platform config directory (override with the
LCS_TUI_CONFIG_DIR environment variable), with the user's `[keys]`. Never
holds a secret. What the app remembers between launches (open workspaces,
theme) is in session_state.py, in the state directory.
"""

from lcs_tui.config.clouds import CLOUDS, CUSTOM_CLOUD, Cloud
from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES, Geography, geography_for_host
from lcs_tui.config.keymap import Keymap
from lcs_tui.config.profile import (
    BACKEND_LCS,
    BACKEND_POWERPLATFORM,
    BACKENDS,
    PASSWORD_METHODS,
    PP_SIGN_IN_METHODS,
    SECRET_STORES,
    SIGN_IN_METHODS,
    Profile,
    ProfileError,
    make_profile,
)
from lcs_tui.config.session_state import (
    SessionState,
    SessionStateError,
    load_session_state,
    save_session_state,
)
from lcs_tui.config.store import (
    CONFIG_DIR_ENV,
    Config,
    ConfigError,
    config_dir,
    config_path,
    load_config,
    save_config,
)

__all__ = [
    "BACKENDS",
    "BACKEND_LCS",
    "BACKEND_POWERPLATFORM",
    "CLOUDS",
    "CONFIG_DIR_ENV",
    "CUSTOM",
    "CUSTOM_CLOUD",
    "GEOGRAPHIES",
    "PASSWORD_METHODS",
    "PP_SIGN_IN_METHODS",
    "SECRET_STORES",
    "SIGN_IN_METHODS",
    "Cloud",
    "Config",
    "ConfigError",
    "Geography",
    "Keymap",
    "Profile",
    "ProfileError",
    "SessionState",
    "SessionStateError",
    "config_dir",
    "config_path",
    "geography_for_host",
    "load_config",
    "load_session_state",
    "make_profile",
    "save_config",
    "save_session_state",
]
