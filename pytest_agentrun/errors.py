"""The two ways the suite can be stopped short of a verdict, and the one way driving stops.

A `LaneConfigError` is the user's input being wrong (unknown lane, missing kubeconfig,
unreachable API server): it becomes a one-line usage error before any test runs.
A `CannotBeDecided` says that the evidence to judge was missing or unreadable: the criteria of
the test that raised it cannot be decided (never pass, never skip), an explicit signal that no
message text is read back from. An `EvidenceError` is the readers' kind of it: one piece of
evidence that could not be read.
A `DriveError` is a drive step (sync, trigger, wait, promotion) that refused or failed.
"""


class AgentrunError(Exception):
    """Base of the plugin's own errors."""


class LaneConfigError(AgentrunError):
    """The lane selection or connection config is unusable."""


class CannotBeDecided(AgentrunError):
    """The criteria of the test that raised it cannot be decided: their evidence is missing.

    `subject` names what could not be judged, `where` where its evidence was looked for and
    `reason` why it is missing; the report makes an undecided finding of each for every criterion
    of the test (report/evidence.py).
    """

    def __init__(self, subject: str, where: str, reason: str, message: str = ""):
        self.subject, self.where, self.reason = subject, where, reason
        super().__init__(message or f"{subject}: {reason}")

    def evidence(self) -> dict[str, str]:
        """What the undecided findings carry as their evidence."""
        return {}


class EvidenceError(CannotBeDecided):
    """Evidence needed by a criterion could not be read.

    `source` names the reader (kubernetes, git, registry, worktree), `what` the piece of
    evidence, `where` the URL/path/ref that was tried and `reason` what went wrong.
    """

    def __init__(self, source: str, what: str, where: str, reason: str):
        self.source, self.what = source, what
        message = f"evidence missing: {source} {what} at {where}: {reason}"
        super().__init__(f"{source} {what}", where, reason, message)

    def evidence(self) -> dict[str, str]:
        return {"source": self.source}


class DriveError(AgentrunError):
    """A drive step refused or failed; its message says what was found and where."""
