"""Every exit code of the suite, in one table: a lane run's, `agentrun-lane`'s and the in-cluster
steps'. README.md and `--help` (pytest's and `agentrun-lane`'s) say what this table says.

pytest's own codes 0-4 keep their meaning; a lane run adds two so that "not signed off because
the run was incomplete or partial" is never mistaken for "the lane fails" or a usage error.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    FIT = 0
    NOT_FIT = 1
    INTERRUPTED = 2
    INTERNAL = 3
    USAGE = 4
    INCOMPLETE = 6
    PARTIAL = 7
    NOT_VERIFIED = 8
    NOT_SETTLED = 9


MEANINGS = {
    ExitCode.FIT: "fit to sign off",
    ExitCode.NOT_FIT: "not fit (a criterion fails or cannot be decided)",
    ExitCode.INTERRUPTED: "interrupted or collection error",
    ExitCode.INTERNAL: "internal error",
    ExitCode.USAGE: "usage error",
    ExitCode.INCOMPLETE: "incomplete (a criterion was not judged)",
    ExitCode.PARTIAL: "partial (--criteria subset)",
    ExitCode.NOT_VERIFIED: "a sign-off attestation that does not verify",
    # Its own code (it was 2, pytest's "interrupted"): the Task's step turns any failure into 1.
    ExitCode.NOT_SETTLED: "the lane never settled (the in-cluster settle step)",
}
# Which program can end with which code.
LANE_RUN = tuple(c for c in ExitCode if c not in (ExitCode.NOT_VERIFIED, ExitCode.NOT_SETTLED))
CLI = LANE_RUN + (ExitCode.NOT_VERIFIED,)


def help_text(codes: tuple[ExitCode, ...]) -> str:
    """The codes for a `--help` text, e.g. "exit codes: 0 fit to sign off; 1 not fit (...)"."""
    return "exit codes: " + "; ".join(f"{int(code)} {MEANINGS[code]}" for code in codes)
