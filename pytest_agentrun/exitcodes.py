"""Exit codes of a lane run and of `agentrun-lane` (documented in README.md and `pytest --help`).

pytest's own codes 0-5 keep their meaning; a lane run adds two so that "not signed off because
the run was incomplete or partial" is never mistaken for "the lane fails" or a usage error.
"""

FIT = 0  # fit to sign off (pytest: all tests passed)
NOT_FIT = 1  # a criterion fails or cannot be decided (pytest: tests failed)
INTERRUPTED = 2  # pytest: interrupted (also a collection error): no verdict can be signed
INTERNAL = 3  # pytest: internal error
USAGE = 4  # pytest: usage error (unknown lane, bad lane config, unreachable API server)
INCOMPLETE = 6  # nothing failed, but a criterion the run had to judge was not judged
PARTIAL = 7  # --criteria judged a subset on purpose: never a sign-off

HELP = (
    "exit codes: 0 fit to sign off; 1 not fit (a criterion fails or cannot be decided); "
    "2 interrupted or collection error; 3 internal error; 4 usage error; "
    "6 incomplete (a criterion was not judged); 7 partial (--criteria subset)"
)
