"""The two ways the suite can be stopped short of a verdict, and the one way driving stops.

A `LaneConfigError` is the user's input being wrong (unknown lane, missing kubeconfig,
unreachable API server): it becomes a one-line usage error before any test runs.
An `EvidenceError` is one piece of evidence that could not be read: the criteria that needed
it fail with the reason, never pass and never skip.
A `DriveError` is a drive step (sync, trigger, wait, promotion) that refused or failed.
"""


class AgentrunError(Exception):
    """Base of the plugin's own errors."""


class LaneConfigError(AgentrunError):
    """The lane selection or connection config is unusable."""


class EvidenceError(AgentrunError):
    """Evidence needed by a criterion could not be read.

    `source` names the reader (kubernetes, git, registry, worktree), `what` the piece of
    evidence, `where` the URL/path/ref that was tried and `reason` what went wrong.
    """

    def __init__(self, source: str, what: str, where: str, reason: str):
        self.source, self.what, self.where, self.reason = source, what, where, reason
        super().__init__(f"evidence missing: {source} {what} at {where}: {reason}")


class DriveError(AgentrunError):
    """A drive step refused or failed; its message says what was found and where."""
