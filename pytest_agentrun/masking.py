"""Masking of credentials before anything reaches a report, a log record or an evidence file.

Values and texts are masked by `redact_*` as they are written; log records by the record factory
`mask_log_records()` installs. pytest creates its log handlers per test phase, and libraries
(httpx, urllib3, kubernetes, git) log through their own loggers, so a filter on one logger or
handler would miss records: the record factory is the one place every record passes. A record is
masked as it is made, its message formatted once and its exception text rendered masked.
One ruleset decides what a credential is (`model/secrets_scan.py`).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from .model.secrets_scan import mask, secret_key


def redact_text(text: str) -> str:
    return mask(text)


def redact_url(url: str) -> str:
    """https://user:token@host/x -> https://user:<redacted:url-credential>@host/x"""
    return mask(url)


def redact_value(value: Any, form: Callable[[Any], Any] | None = None) -> Any:
    """Mask credentials inside a JSON-like structure, keeping it valid: a string under a
    secret-named key is masked whole, and credential shapes inside any string are masked. With
    `form`, each node is first given its form one level deep (the evidence bundle's encoding), so
    that a large value is encoded and masked in one pass, into one copy."""
    if form is not None:
        value = form(value)
    if isinstance(value, dict):
        return {
            k: (
                "<redacted:secret-value>"
                if isinstance(v, str) and v and secret_key(str(k))
                else redact_value(v, form)
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, form) for v in value)
    if isinstance(value, str):
        return mask(value)
    return value


_installed = False


def mask_log_records() -> None:
    """Mask every log record made from now on in this process (idempotent)."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            record.msg, record.args = mask(record.getMessage()), None
        except Exception:  # a malformed log call: keep its text, still masked
            record.msg, record.args = mask(str(record.msg)), None
        if record.exc_info and not record.exc_text:
            trace = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask(trace.rstrip("\n"))
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
