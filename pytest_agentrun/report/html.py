"""pytest-html hooks: a title naming the lane, a summary by truth level, criterion columns.

Registered by the plugin only when pytest-html is active. Failures carry no traceback (checks fail
with pytrace=False) and their findings are in the row's log, so the report reads top-down.
"""

from __future__ import annotations

from html import escape

import pytest

from ..criteria import catalogue
from .outcomes import verdicts_in_truth_order


def _criteria(report) -> list[str]:
    return [value for name, value in getattr(report, "user_properties", []) if name == "criterion"]


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report) -> None:
    lane = report.config.getoption("lane") if hasattr(report, "config") else None
    report.title = f"AgentRun lane {lane} acceptance" if lane else "AgentRun lane acceptance"


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix, summary, postfix, session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    rows = verdicts_in_truth_order(reporter.stats if reporter else {})
    if not rows:
        return
    failed = sum(1 for r in rows if r[2] == "FAIL")
    lines = [f"<h2>Verdict by truth level: {'NOT fit to sign off' if failed else 'fit to sign off'} "
             f"({len(rows) - failed} criteria pass, {failed} fail)</h2>", "<table class='agentrun-verdicts'>"]
    level = None
    for row_level, cid, verdict, text in rows:
        if row_level != level:
            level = row_level
            lines.append(f"<tr><th colspan='3' style='text-align:left'>{escape(level)}</th></tr>")
        colour = "#c0392b" if verdict == "FAIL" else "#1e8449"
        lines.append(f"<tr><td style='color:{colour};font-weight:bold'>{verdict}</td><td>{cid}</td>"
                     f"<td>{escape(text)}</td></tr>")
    lines.append("</table>")
    prefix.extend(lines)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells) -> None:
    cells.insert(1, '<th class="sortable" data-column-type="criterion">Criterion</th>')
    cells.insert(2, '<th>Truth level</th>')


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report, cells) -> None:
    ids = _criteria(report)
    known = catalogue()
    cells.insert(1, f"<td class='col-criterion'>{escape(', '.join(ids))}</td>")
    cells.insert(2, f"<td>{escape(', '.join(sorted({known[c].level for c in ids if c in known})))}</td>")
