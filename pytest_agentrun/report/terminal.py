"""The terminal's verdict: one line per criterion in truth order, then one verdict line.

The criterion list uses the terminal's width (cut at a word, marked with …) and gives the first
reason of every non-pass; the verdict line is the run's last line, coloured in a TTY.
"""

from __future__ import annotations

import textwrap

from ..criteria import catalogue
from ..criterion_status import NOT_JUDGED
from ..finding import FAIL, NOT_APPLICABLE, PASS, UNDECIDED
from ..redact import redact_text
from ..signoff import FIT, INCOMPLETE, NOT_FIT, PARTIAL, Verdict

MARKS = {PASS: "pass", FAIL: "FAIL", UNDECIDED: "UNDECIDED", NOT_APPLICABLE: "n/a", NOT_JUDGED: "not judged"}
COLOURS = {PASS: {"green": True}, FAIL: {"red": True, "bold": True}, UNDECIDED: {"yellow": True, "bold": True},
           NOT_APPLICABLE: {"cyan": True}, NOT_JUDGED: {"yellow": True}}
VERDICT_COLOURS = {FIT: {"green": True, "bold": True}, NOT_FIT: {"red": True, "bold": True},
                   INCOMPLETE: {"yellow": True, "bold": True}, PARTIAL: {"yellow": True, "bold": True}}


def fit(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word."""
    text = " ".join(text.split())
    return textwrap.shorten(text, width=max(width, 20), placeholder=" …")


def criterion_lines(verdict: Verdict, width: int) -> list[tuple[str, str, dict]]:
    """(level header or "", line, markup) for every criterion, strongest truth first."""
    known, rows, level = catalogue(), [], None
    for result in sorted(verdict.criteria, key=lambda r: known[r.id].order if r.id in known else 10_000):
        criterion = known.get(result.id)
        if criterion is None:
            continue
        if criterion.level != level:
            level = criterion.level
            rows.append((level, f"[{level}]", {"bold": True}))
        mark = MARKS[result.status]
        head = f"  {mark:<10} {result.id:<6} "
        text = criterion.text if result.status == PASS else redact_text(result.reason)
        rows.append(("", head + fit(text, width - len(head)), COLOURS[result.status]))
    return rows


def write_criteria(terminalreporter, verdict: Verdict) -> None:
    width = terminalreporter._tw.fullwidth
    terminalreporter.write_sep("=", "verdict by criterion, in truth order")
    for _, line, markup in criterion_lines(verdict, width):
        terminalreporter.write_line(line, **markup)


def write_verdict_line(terminalreporter, verdict: Verdict) -> None:
    terminalreporter.write_line(redact_text(verdict.headline()), **VERDICT_COLOURS[verdict.value])
