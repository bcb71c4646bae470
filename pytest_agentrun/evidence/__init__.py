"""What a run read, kept: evidence read once per session and recorded as read.

- `cache`: the session's evidence cache (per-key futures; each piece read once, served from a
  bundle on replay);
- `bundle`: evidence bundles, written as a run reads and opened for `--replay-evidence`;
- `diff`: `agentrun-lane diff`, what changed between two bundles.
"""
