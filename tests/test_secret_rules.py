"""One ruleset (gitleaks' published rules, then the lane's) for detecting and
masking credentials."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from pytest_agentrun import masking
from pytest_agentrun.model import secret_rules
from pytest_agentrun.model.secrets_scan import credential_kind, mask

SHAPES = {
    "sk-proj": "sk-proj-Qw7Zr2Lx9Vb4Nm1Kp8Jd3",
    "sk-ant": "sk-ant-api03-Qw7Zr2Lx9Vb4Nm1Kp8Jd3",
    "sk-live": "sk-live-Qw7Zr2Lx9Vb4Nm1Kp8Jd3",
    "sk_live": "sk_live_Qw7Zr2Lx9Vb4Nm1Kp8Jd3",
    "github": "ghp_Qw7Zr2Lx9Vb4Nm1Kp8Jd3Hs6Tf0Ya5Ue2Wc1",
}


def test_every_published_rule_is_read_and_compiles():
    rules, allowlist, keys = secret_rules.ruleset()
    ids = {rule.id for rule in rules}
    assert (
        len(rules) > 200 and {"openai-api-key", "anthropic-api-key", "stripe-access-token"} <= ids
    )
    assert {"provider-api-key", "url-token", "url-credential", "kubeconfig"} <= ids
    assert allowlist.stopwords and keys["secret_words"]


@pytest.mark.parametrize(
    "go, python",
    [
        (r"(?i)abc", r"(?i)abc"),
        (r"\b(a(?i)bc)", r"(?i)\b(abc)"),
        (r"x\z", r"x\Z"),
        (r"(?-i:[Aa]pi)", r"(?-i:[Aa]pi)"),
    ],
)
def test_go_regexes_read_as_python_means_them(go, python):
    assert secret_rules.translate(go) == python
    re.compile(secret_rules.translate(go))


@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize(
    "encode",
    [
        lambda v: f"OPENAI_API_KEY={v}",
        lambda v: f"value: {v}",
        lambda v: base64.b64encode(v.encode()).decode(),
        lambda v: "".join(f"%{b:02X}" for b in v.encode()),
        lambda v: f"https://{v}@git.example.invalid/x.git",
    ],
    ids=["env", "yaml", "base64", "url-encoded", "url-user"],
)
def test_each_shape_is_found_and_masked_in_each_encoding(name, encode):
    text = encode(SHAPES[name])
    masked = mask(text)
    assert SHAPES[name] not in masked and encode(SHAPES[name]) not in masked.replace(
        "<redacted", ""
    )
    assert credential_kind(text) is not None
    assert credential_kind(masked) == credential_kind(text)  # a replayed bundle names the same rule


@pytest.mark.parametrize(
    "text",
    [
        "image: 127.0.0.1:5000/agentrun/agentrun-mgr-env@sha256:" + "0123456789abcdef" * 4,
        "sourceCommit: 0123456789abcdef0123456789abcdef01234567",
        "secretName: agentrun-v01-provider-codex",
        "secretKeyRef: {name: agentrun-v01-database, key: DATABASE_URL}",
        "url: http://127.0.0.1:5000",
        "ssh://git@github.com/pikasTech/agentrun.git",
    ],
)
def test_lane_references_are_not_credentials(text):
    assert credential_kind(text) is None and mask(text) == text


def test_url_user_names_stay_readable_passwords_do_not():
    assert (
        mask("https://ci-bot:hunter2hunter2@h/x") == "https://ci-bot:<redacted:url-credential>@h/x"
    )


def test_every_log_record_is_masked_before_a_handler_sees_it(caplog):
    masking.mask_log_records()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("httpx").info(
            "HTTP Request: HEAD %s", f"http://ci-bot:{SHAPES['sk-proj']}@h/v2/"
        )
        try:
            raise ValueError(f"token {SHAPES['github']}")
        except ValueError:
            logging.getLogger("x").exception("failed")
    assert caplog.records and all(v not in caplog.text for v in SHAPES.values())
    assert "<redacted:" in caplog.text
