"""Masking of credentials before anything reaches a report, a log or an evidence file."""

from __future__ import annotations

from typing import Any

from .model.secrets_scan import mask, secret_key


def redact_text(text: str) -> str:
    return mask(text)


def redact_url(url: str) -> str:
    """https://user:token@host/x -> https://user:<redacted:url-credential>@host/x"""
    return mask(url)


def redact_value(value: Any) -> Any:
    """Mask credentials inside a JSON-like structure, keeping it valid: a string under a secret-named
    key is masked whole, and credential shapes inside any string are masked."""
    if isinstance(value, dict):
        return {k: ("<redacted:secret-value>" if isinstance(v, str) and v and secret_key(str(k)) else redact_value(v))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, str):
        return mask(value)
    return value
