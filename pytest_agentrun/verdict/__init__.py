"""The verdict, as one chain:
findings -> test outcome -> criterion status -> run verdict -> exit code.

- findings: what a check examined (`pytest_agentrun.finding`, with the `Status` enum); a status
  is always given, never read back from a message's words. Evidence that is missing or
  unreadable is the explicit signal `CannotBeDecided` (`pytest_agentrun.errors`; the readers'
  `EvidenceError` is one), raised by a reader or a test and made undecided findings by the report.
- `outcome`: a test's findings decide its outcome (the `verdict` fixture calls `decide`).
- `runlog`: each test's outcome and findings as the controller saw them in its reports.
- `status`: a criterion's status from the outcomes and findings of its tests.
- `run`: the run's verdict over the lane's criteria catalogue (`Verdict`, `VerdictValue`, `Scope`).
- `exitcodes`: the one table of exit codes, the run's among them; `--help` is generated from it.

Around the chain: `end` judges a finished run and writes what carries its verdict; `files` is
verdict.json and summary.md; `render` is the one way a finding is shown as text and the one table
of status marks and colours; `key` is the stash key by which the verdict reaches the reporters
(they import it, never the plugin).
"""
