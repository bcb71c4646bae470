"""Credential detection and masking from one ruleset (secret_rules: gitleaks' rules and the lane's).

Checks ask `credential_kind(text)` (GO-04, CT-07, SRC-05, AP-03); reports, logs and evidence bundles
pass text through `mask(text)`. Both use the same rules, so whatever a check would report is what
masking hides. A masked value reads `<redacted:RULE>`, which `credential_kind` still reports, so a
replayed bundle gives the same verdict as the live run without ever holding the value.

A credential may also be base64- or URL-encoded (a Secret manifest's data, a query string): a token
that decodes to text holding a credential is masked whole.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache, lru_cache
from urllib.parse import unquote

from . import secret_rules

MARKER = re.compile(r"<redacted:([a-z0-9-]+)>")
BASE64_TOKEN = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![\w+/=-])")
LONG_TEXT = (
    64 * 1024
)  # a private key's header is a rule of its own, so no rule needs more than a line
PERCENT_TOKEN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")


def _keys() -> dict:
    return secret_rules.ruleset()[2]


@cache
def _key_value_pattern() -> re.Pattern[str]:
    """`<secret-named key>: value` on one line (YAML, env, INI, JSON text)."""
    words = "|".join(_keys()["secret_words"])
    suffixes = "|".join(sorted(_keys()["reference_suffixes"], key=len, reverse=True))
    key = rf"[\w.-]*(?:{words})(?![\w-]*(?:{suffixes})\b)[\w.-]*"
    return re.compile(
        rf"(?i)\b({key}\"?[ \t]*[:=][ \t]*\"?)(?!<redacted:)([^\s\"',{{}}\[\]*$<][^\s\"',}}]*)"
    )


@lru_cache(maxsize=4096)  # mapping keys repeat across every object of a report
def secret_key(key: str) -> bool:
    """Whether a mapping key names a secret value, not a reference to one: `sshKey` and
    `GITHUB_TOKEN` hold secrets, `secretName` and `secretKey` only name them."""
    normal = re.sub(r"[-_]", "", key.lower())
    for word in _keys()["secret_words"]:
        start = normal.find(word)
        if start >= 0 and not any(
            normal[start + len(word) :].endswith(s) for s in _keys()["reference_suffixes"]
        ):
            return True
    return False


def _decoded(token: str) -> str | None:
    """The text a base64 token stands for, when it is text at all."""
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = decode(padded).decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if text.isprintable() or all(c.isprintable() or c in "\n\r\t" for c in text):
            return text
    return None


def _plain_kind(text: str) -> str | None:
    marker = MARKER.search(_mask_plain(text))
    return marker.group(1) if marker else None


def _encoded(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each base64 or URL-encoded token that hides a credential."""
    found = []
    for pattern, decode, label in (
        (BASE64_TOKEN, _decoded, "base64"),
        (PERCENT_TOKEN, unquote, "url-encoded"),
    ):
        if label == "url-encoded" and "%" not in text:
            continue
        for match in pattern.finditer(text):
            plain = decode(match.group(0))
            kind = _plain_kind(plain) if plain and plain != match.group(0) else None
            if kind:
                found.append((match.start(), match.end(), f"{label}-{kind}"))
    return found


def credential_kind(text: str) -> str | None:
    """The rule that finds a credential in the text (`provider-api-key`, `url-credential` ...), if
    any: the first that masking marks, so a masked text (a replayed bundle) names the same rule."""
    marker = MARKER.search(mask(text) if len(text) >= 8 else text)
    return marker.group(1) if marker else None


@lru_cache(maxsize=65536)  # a report masks the same subjects and reasons many times over
def mask(text: str) -> str:
    """The text with every credential replaced by `<redacted:RULE>`."""
    if len(text) < 8:
        return text
    if len(text) > LONG_TEXT:  # line by line: each line runs only the rules its own keywords call
        return "".join(mask(line) for line in text.splitlines(keepends=True))
    text = _mask_plain(text)
    return _replace(text, _encoded(text))


def _mask_plain(text: str) -> str:
    text = _replace(text, [(h.start, h.end, h.rule) for h in secret_rules.hits(text)])
    lower = text.lower()
    if not any(word in lower for word in _keys()["secret_words"]):  # the regex is the slow part
        return text
    return _key_value_pattern().sub(lambda m: m.group(1) + "<redacted:secret-value>", text)


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace the spans (overlaps merged into the first that covers them), from the end."""
    merged: list[list] = []
    for start, end, kind in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    for start, end, kind in reversed(merged):
        text = text[:start] + f"<redacted:{kind}>" + text[end:]
    return text
