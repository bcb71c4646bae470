"""The terminal's verdict: one line per criterion in truth order, then one verdict line.

The criterion list uses the terminal's width (cut at a word, marked with …) and gives the first
reason of every non-pass; the verdict line is the run's last line, coloured in a TTY.
"""

from __future__ import annotations

import textwrap

from ..catalogue.criteria import catalogue
from ..masking import redact_text
from ..verdict import run
from ..verdict.render import LOOKS
from ..verdict.run import Verdict
from ..verdict.status import PASS, CriterionResult

REASON_LINES = 3


def fit(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word."""
    text = " ".join(text.split())
    return textwrap.shorten(text, width=max(width, 20), placeholder=" …")


def rows(verdict: Verdict) -> list[tuple[str, CriterionResult, str]]:
    """(truth level, result, text) per criterion, strongest truth first; text is the first
    reason of a non-pass."""
    known = catalogue()
    found = [r for r in verdict.criteria if r.id in known]
    return [
        (known[r.id].level, r, known[r.id].text if r.status == PASS else redact_text(r.reason))
        for r in sorted(found, key=lambda r: known[r.id].order)
    ]


def criterion_lines(verdict: Verdict, width: int) -> list[tuple[str, dict]]:
    lines, level = [], None
    for row_level, result, text in rows(verdict):
        if row_level != level:
            level = row_level
            lines.append((f"[{level}]", {"bold": True}))
        look = LOOKS[result.status]
        head = f"  {look.mark:<10} {result.id:<6} "
        room = max(width - len(head), 20)
        # A pass shows its criterion on one line; a non-pass keeps its reason readable on up to 3.
        parts = [fit(text, room)] if result.status == PASS else wrap(text, room, REASON_LINES)
        lines.append((head + parts[0], look.markup))
        lines += [(" " * len(head) + part, look.markup) for part in parts[1:]]
    return lines


def wrap(text: str, width: int, most: int) -> list[str]:
    parts = textwrap.wrap(" ".join(text.split()), width=width) or [""]
    if len(parts) <= most:
        return parts
    return parts[: most - 1] + [fit(" ".join(parts[most - 1 :]), width)]


def write_criteria(terminalreporter, verdict: Verdict) -> None:
    width = terminalreporter._tw.fullwidth
    terminalreporter.write_sep("=", "verdict by criterion, in truth order")
    for line, markup in criterion_lines(verdict, width):
        terminalreporter.write_line(line, **markup)


def write_verdict_line(terminalreporter, verdict: Verdict) -> None:
    markup = run.LOOKS[verdict.value].markup
    terminalreporter.write_line(redact_text(verdict.headline()), **markup)
