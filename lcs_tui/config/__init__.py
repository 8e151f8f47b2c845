"""Profiles: which LCS project, geography, tenant, app and sign-in method.

Stored as TOML in the platform config directory (override with the
LCS_TUI_CONFIG_DIR environment variable). Never holds a secret.
"""

from lcs_tui.config.geographies import CUSTOM, GEOGRAPHIES, Geography, geography_for_host
from lcs_tui.config.profile import (
    PASSWORD_METHODS,
    SECRET_STORES,
    SIGN_IN_METHODS,
    Profile,
    ProfileError,
    make_profile,
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
    "CONFIG_DIR_ENV",
    "CUSTOM",
    "GEOGRAPHIES",
    "PASSWORD_METHODS",
    "SECRET_STORES",
    "SIGN_IN_METHODS",
    "Config",
    "ConfigError",
    "Geography",
    "Profile",
    "ProfileError",
    "config_dir",
    "config_path",
    "geography_for_host",
    "load_config",
    "make_profile",
    "save_config",
]
