"""Modal screens: dialogs for actions, details, help and sign-in."""
