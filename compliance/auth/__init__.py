"""Users, roles, login, API tokens and permission checks."""
