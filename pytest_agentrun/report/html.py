"""pytest-html hooks: the verdict first (title and a block above everything), criterion columns.

Registered by the plugin only when pytest-html is active. Failures carry no traceback (checks fail
with pytrace=False); every finding of a test, ok ones included, and the traceback of a check that
broke are in the row's log, so the terminal can show failed findings only.
"""

from __future__ import annotations

from html import escape

import pytest

from ..catalogue.criteria import catalogue
from ..verdict import render, run
from ..verdict.key import VERDICT
from ..verdict.run import Verdict
from . import terminal
from .pod_logs import pod_logs_text

_REPORT = pytest.StashKey[object]()


def _criteria(report) -> list[str]:
    return [value for name, value in getattr(report, "user_properties", []) if name == "criterion"]


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report) -> None:
    lane = report.config.getoption("lane") if hasattr(report, "config") else None
    report.title = f"AgentRun lane {lane} acceptance" if lane else "AgentRun lane acceptance"
    if hasattr(report, "config"):
        report.config.stash[_REPORT] = report


def verdict_block(verdict: Verdict) -> list[str]:
    colour = run.LOOKS[verdict.value].colour
    lines = [
        f"<h2 id='agentrun-verdict' style='color:{colour}'>{escape(verdict.headline())}</h2>",
        "<table class='agentrun-verdicts'>",
    ]
    level = None
    for row_level, result, text in terminal.rows(verdict):
        if row_level != level:
            level = row_level
            lines.append(f"<tr><th colspan='3' style='text-align:left'>{escape(level)}</th></tr>")
        look = render.LOOKS[result.status]
        lines.append(
            f"<tr><td style='{look.style}'>{escape(look.mark)}</td>"
            f"<td>{escape(result.id)}</td><td>{escape(text)}</td></tr>"
        )
    lines.append("</table>")
    return lines


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix, summary, postfix, session) -> None:
    verdict = session.config.stash.get(VERDICT, None)
    if verdict is None:
        return
    report = session.config.stash.get(_REPORT, None)
    if report is not None:  # the page's first line is the verdict, above the Environment table
        report.title = verdict.headline()
    prefix.extend(verdict_block(verdict))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells) -> None:
    cells.insert(1, '<th class="sortable" data-column-type="criterion">Criterion</th>')
    cells.insert(2, "<th>Truth level</th>")


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report, cells) -> None:
    ids = _criteria(report)
    known = catalogue()
    cells.insert(1, f"<td class='col-criterion'>{escape(', '.join(ids))}</td>")
    cells.insert(
        2, f"<td>{escape(', '.join(sorted({known[c].level for c in ids if c in known})))}</td>"
    )


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report, data) -> None:
    from .evidence import TRACEBACK_ATTR
    from ..verdict.runlog import FINDINGS_ATTR

    findings = getattr(report, FINDINGS_ATTR, None) or []
    if findings:
        data.append(escape("\n".join(render.line(f) for f in findings)) + "\n")
        logs = pod_logs_text(findings)
        if logs:
            data.append(escape(logs) + "\n")
    trace = getattr(report, TRACEBACK_ATTR, None)
    if trace:
        data.append(f"{' traceback (the check broke) ':-^80}\n{escape(trace)}")
