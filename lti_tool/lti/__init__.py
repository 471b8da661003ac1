"""LTI 1.3: registrations, OIDC login, launch validation, deep linking, dynamic registration."""
