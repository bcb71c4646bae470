"""The verdict, as one chain: findings -> test outcome -> criterion status -> run verdict -> exit code.

- findings: what a check examined (`pytest_agentrun.finding`); each has a status, never a text to
  read back. Evidence that is missing or unreadable is the explicit signal `CannotBeDecided`
  (`pytest_agentrun.errors`), raised by a reader or a test and turned into undecided findings.
- `outcome`: a test's findings decide its outcome (the `verdict` fixture calls `decide`).
- `status`: a criterion's status from the outcomes and findings of its tests (`Status`).
- `run`: the run's verdict over the lane's criteria catalogue (`Verdict`, `VerdictValue`, `Scope`).
- `exitcodes`: the one table of exit codes, the run's among them; `--help` is generated from it.

Around the chain: `end` judges a finished run and writes the files that carry its verdict;
`render` is the one way a finding and a status are shown as text (marks and colours); `key` is
the stash key by which the verdict reaches the reporters (a leaf: reporters never import the
plugin).
"""
