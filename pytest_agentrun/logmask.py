"""Masking of every log record, wherever it goes (terminal, report.html, Allure, a log file).

pytest creates its log handlers per test phase, and libraries (httpx, urllib3, kubernetes, git)
log through their own loggers, so a filter on one logger or handler would miss records. The
record factory is the one place every record passes: a record is masked as it is made, its
message formatted once and its exception text rendered masked, before any handler sees it.
"""

from __future__ import annotations

import logging
import traceback

from .model.secrets_scan import mask

_installed = False


def install() -> None:
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
            record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
