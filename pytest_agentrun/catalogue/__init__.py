"""The lane's criteria and where each lives.

- `criteria`: the criteria catalogue (data/criteria.yaml), rendered for the judged lane;
- `places`: the one finder of where a criterion lives (its check, acceptance test, unit tests,
  killing scenarios), read by `--list-criteria`, `--explain` and tests/test_criterion_places.py;
- `explain`: `--explain ID`, a criterion as a reviewer needs it.
"""
