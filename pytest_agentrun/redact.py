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
    # `token: abc` / `password="abc"` on one line; never a YAML mapping key followed by a newline or a block.
    re.compile(r"(?i)\b((?:token|password|passwd|secret|api[_-]?key)\"?[ \t]*[:=][ \t]*\"?)[^\s\",{}\[\]*][^\s\",}]*"),
    re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"),
]


SECRET_KEY = re.compile(r"(?i)^(token|password|passwd|secret|api[_-]?key|apikey|private[_-]?key|client-key-data|"
                        r"client-certificate-data|authorization|bearer|access[_-]?token|refresh[_-]?token|ssh[_-]?key)$")


def redact_value(value):
    """Mask credentials inside a JSON-like structure, keeping it valid: a string under a secret-named
    key becomes ***, and credential patterns inside any string are masked."""
    if isinstance(value, dict):
        return {k: (MASK if isinstance(v, str) and v and SECRET_KEY.match(str(k)) else redact_value(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK + (m.group(2) if m.lastindex and m.lastindex >= 2 else ""), text)
    return text
