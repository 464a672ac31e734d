"""Web-layer plumbing shared by every blueprint: security, sessions, i18n, templates, auth helpers."""
