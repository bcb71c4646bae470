"""Masking of credentials before anything reaches a report, a log or an evidence file."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def redact_url(url: str) -> str:
    """Drop the password (or token) of a URL's userinfo: https://u:tok@h/x -> https://u:***@h/x."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None and not (parts.username and "@" in parts.netloc and ":" not in parts.username):
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:{MASK}@{host}", parts.path, parts.query, parts.fragment))


_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)\S+"),
    re.compile(r"(?i)\b((?:token|password|passwd|secret|api[_-]?key)\"?\s*[:=]\s*\"?)[^\s\",}]+"),
    re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"),
]


def redact_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK + (m.group(2) if m.lastindex and m.lastindex >= 2 else ""), text)
    return text
