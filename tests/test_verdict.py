"""The sign-off verdict as a user meets it (pytester): statuses, verdict values,
exit codes, outputs.

Each run judges small stand-in tests (one per passive criterion, their findings chosen per test)
from an empty evidence bundle, so nothing live is reached: what is under test is the plugin.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest

# Imported here, before any in-process pytester run (which restores sys.modules after itself).
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519

from pytest_agentrun import attestation
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.model.documents import schema_errors
from pytest_agentrun.incluster import task_results

PASSIVE = [cid for cid, c in catalogue().items() if c.kind == "passive"]
DRIVE = [cid for cid, c in catalogue().items() if c.kind == "drive"]

SUITE = """
import pytest
from pytest_agentrun.catalogue.criteria import catalogue
from pytest_agentrun.errors import EvidenceError
from pytest_agentrun.finding import failed, not_applicable, passed, undecided

PASSIVE = [cid for cid, c in catalogue().items() if c.kind == "passive"]
BEHAVIOUR = {behaviour!r}

CASES = [pytest.param(c, marks=pytest.mark.criterion(c), id=c) for c in PASSIVE]

@pytest.mark.parametrize("cid", CASES)
def test_criterion(cid, verdict):
    how = BEHAVIOUR.get(cid, "pass")
    ok = passed("ok thing", "x", "x", "here:1", criterion=cid)
    if how == "pass":
        verdict([ok])
    elif how == "fail":
        bad = failed(
            "bad thing", "ready 1/1", "ready 0/1", "Deployment agentrun-v01/mgr", criterion=cid
        )
        verdict([ok, bad])
    elif how == "undecided":
        why = undecided(
            "the catalog", "readable", "branch v0.1-gitops missing", "mirror", criterion=cid
        )
        verdict([why])
    elif how == "n/a":
        verdict([not_applicable("the build branch", "business-only change", "plan", criterion=cid)])
    elif how == "nothing":
        verdict([])
    elif how == "evidence":
        raise EvidenceError(
            "registry", "manifest sha256:ab", "http://127.0.0.1:9", "registry unreachable"
        )
    elif how == "typeerror":
        status = "Running"
        verdict([passed("pod", "x", status["phase"], "pod", criterion=cid)])
    elif how == "skip":
        pytest.skip("no lane today")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester):
    """Write the stand-in suite (behaviour per criterion) and an empty evidence bundle to replay."""
    bundle = pytester.path / "bundle"
    bundle.mkdir()
    (bundle / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "run": "stand-in",
                "lane": "v0.1",
                "suite": "0.1.0",
                "written": "2026-01-01T00:00:00Z",
                "connection": {},
                "files": {},
                "entries": 0,
            }
        )
    )

    def run(behaviour: dict[str, str] | None = None, *args: str) -> pytest.RunResult:
        pytester.makepyfile(test_suite=SUITE.format(behaviour=behaviour or {}))
        return pytester.runpytest(
            "--lane", "v0.1", "--replay-evidence", str(bundle), "-p", "no:cacheprovider", *args
        )

    return run


def verdict_json(pytester: pytest.Pytester) -> dict:
    doc = json.loads((pytester.path / "reports" / "verdict.json").read_text())
    assert schema_errors("verdict", doc) == []
    return doc


def statuses(doc: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in doc["criteria"]}


def test_a_passive_run_that_passes_signs_off_on_the_passive_catalogue(suite, pytester):
    result = suite()
    result.assert_outcomes(passed=len(PASSIVE))
    assert result.ret == 0
    line = result.outlines[-1]
    assert (
        line.startswith("FIT TO SIGN OFF lane v0.1") and f"{len(PASSIVE)} of {len(PASSIVE)}" in line
    )
    assert (
        "DR-01 DR-02 DR-03 DR-04 not judged (only with --drive)" in line
        and "passive catalogue" in line
    )
    doc = verdict_json(pytester)
    assert doc["verdict"] == "fit" and doc["signedOff"] and doc["exitCode"] == 0
    assert doc["notJudged"] == DRIVE and all(statuses(doc)[c] == "pass" for c in PASSIVE)
    summary = (pytester.path / "reports" / "summary.md").read_text()
    assert (
        summary.startswith("## FIT TO SIGN OFF")
        and "| DR-01 | not judged | judged only with --drive |" in summary
    )


def test_deselecting_with_k_makes_the_verdict_incomplete_with_its_own_exit_code(suite, pytester):
    result = suite({}, "-k", "RT-01")
    result.assert_outcomes(passed=1, deselected=len(PASSIVE) - 1)
    assert result.ret == 6
    result.stdout.fnmatch_lines(
        [
            "INCOMPLETE, NOT SIGNED OFF lane v0.1 *: 55 of 56 passive catalogue criteria "
            "not judged: RT-02 *"
        ]
    )
    doc = verdict_json(pytester)
    assert doc["verdict"] == "incomplete" and not doc["signedOff"]
    assert statuses(doc)["RT-02"] == "not judged"
    assert (
        next(c for c in doc["criteria"] if c["id"] == "RT-02")["reason"]
        == "1 of 1 tests not run: deselected (-k/-m)"
    )
    html = (pytester.path / "reports" / "report.html").read_text()
    assert (
        '<h1 id="title">INCOMPLETE, NOT SIGNED OFF' in html and "FIT TO SIGN OFF lane" not in html
    )


def test_criteria_subset_is_partial_everywhere(suite, pytester):
    result = suite({}, "--criteria", "RT-02,AR-03")
    result.assert_outcomes(passed=2, deselected=len(PASSIVE) - 2)
    assert result.ret == 7
    result.stdout.fnmatch_lines(
        ["PARTIAL RUN, NOT A SIGN-OFF lane v0.1 *: 2 of 2 chosen criteria pass; --criteria *"]
    )
    reports = pytester.path / "reports"
    doc = verdict_json(pytester)
    assert (
        doc["verdict"] == "partial"
        and doc["scope"]["subset"] == ["RT-02", "AR-03"]
        and not doc["signedOff"]
    )
    assert statuses(doc)["RT-01"] == "not judged"
    stmt = json.loads((reports / attestation.FILE).read_text())
    assert (
        stmt["predicate"]["verificationResult"] == "FAILED"
        and stmt["predicateType"] == attestation.VSA_V1
    )
    props = (reports / "allure-results" / "environment.properties").read_text()
    assert "verdict=partial\nsigned.off=false\n" in props
    assert '<h1 id="title">PARTIAL RUN, NOT A SIGN-OFF' in (reports / "report.html").read_text()
    values, _ = task_results.results(reports / "junit.xml", reports / "verdict.json")
    assert values["verdict"] == "incomplete"


def test_an_unwritable_reports_directory_is_a_usage_error_before_the_run(suite):
    result = suite({}, "--agentrun-reports", "/proc/agentrun-reports")
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: agentrun: reports directory /proc/agentrun-reports is not writable: *"]
    )


def test_unknown_criterion_in_criteria_is_a_usage_error(suite):
    result = suite({}, "--criteria", "RT-02,XX-99")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: agentrun: --criteria: unknown criterion XX-99 *"])


def test_statuses_come_from_findings_and_outcomes(suite, pytester):
    behaviour = {
        "RT-02": "fail",
        "RT-03": "undecided",
        "TK-09": "n/a",
        "RT-05": "nothing",
        "REG-01": "evidence",
        "SRC-01": "skip",
    }
    result = suite(behaviour)
    assert result.ret == 1
    result.assert_outcomes(passed=len(PASSIVE) - 5, failed=4, skipped=1)
    doc = verdict_json(pytester)
    assert doc["verdict"] == "not fit"
    found = statuses(doc)
    assert (
        found["RT-02"] == "fail"
        and found["TK-09"] == "not applicable"
        and found["SRC-01"] == "not judged"
    )
    assert found["RT-03"] == found["RT-05"] == found["REG-01"] == "cannot be decided"
    reasons = {c["id"]: c["reason"] for c in doc["criteria"]}
    assert "cannot be decided: the check examined nothing (no finding)" in reasons["RT-05"]
    assert reasons["RT-03"] == "the catalog: cannot be decided: branch v0.1-gitops missing [mirror]"
    assert (
        "registry unreachable" in reasons["REG-01"]
        and reasons["SRC-01"] == "skipped: no lane today"
    )
    assert reasons["RT-02"].startswith("bad thing: expected ready 1/1; found ready 0/1")
    result.stdout.fnmatch_lines(
        [
            "NOT FIT TO SIGN OFF lane v0.1 *: 1 of 56 passive catalogue criteria fail: RT-02; "
            "3 of 56 passive catalogue criteria cannot be decided: RT-03 RT-05 REG-01; *"
        ]
    )


def test_a_failure_is_shown_once_with_its_failed_findings_only(suite, pytester):
    result = suite({"RT-02": "fail"}, "--color=yes")
    text = result.stdout.str()
    assert text.count("ready 0/1") == 2, "once in the failure, once as the criterion's first reason"
    assert "ok thing" not in text, "ok findings go to the reports, not the terminal"
    assert "\x1b[31m\x1b[1mNOT FIT TO SIGN OFF" in text, "the verdict line is red in a TTY"
    rt02 = [line for line in result.outlines if " RT-02 " in line and "FAIL" in line]
    assert rt02 and all(len(line) <= 80 for line in result.outlines if line.startswith("  FAIL"))
    assert "ok thing" in (pytester.path / "reports" / "report.html").read_text()


def test_an_unexpected_exception_in_a_check_cannot_be_decided_and_shows_no_traceback(
    suite, pytester
):
    result = suite({"RT-04": "typeerror"})
    assert result.ret == 1
    text = result.stdout.str()
    assert "Traceback" not in text and 'test_suite.py", line' not in text
    result.stdout.fnmatch_lines(
        [
            "RT-04 cannot be decided: the check broke on unexpected evidence (TypeError: string "
            "indices must be integers*) at test_suite.py:* (test_criterion), reading no evidence "
            "fixture"
        ]
    )
    doc = verdict_json(pytester)
    rt04 = next(c for c in doc["criteria"] if c["id"] == "RT-04")
    assert rt04["status"] == "cannot be decided" and "TypeError" in rt04["reason"]
    html = (pytester.path / "reports" / "report.html").read_text()
    assert "traceback (the check broke)" in html and "Traceback (most recent call last)" in html
    [case] = [
        c
        for c in ET.parse(pytester.path / "reports" / "junit.xml").getroot().iter("testcase")
        if c.get("name") == "test_criterion[RT-04]"
    ]
    assert case.find("failure") is not None, "JUnit still counts it as not passed"
    allure = pytester.path / "reports" / "allure-results"
    assert any(
        "Traceback (most recent call last)" in p.read_text()
        for p in allure.glob("*-attachment.txt")
    )


def test_listing_runs_write_no_report(suite, pytester):
    for args in (["--collect-only"], ["--list-criteria"], ["--fixtures"], ["--explain", "RT-04"]):
        result = suite({}, *args)
        assert result.ret == 0, args
        assert not (pytester.path / "reports").exists(), args


def test_ini_options_set_lane_and_reports_dir(suite, pytester):
    pytester.makeini("[pytest]\nagentrun_lane = v0.1\nagentrun_reports = out/lane\n")
    pytester.makepyfile(test_suite=SUITE.format(behaviour={}))
    result = pytester.runpytest("--replay", str(pytester.path / "bundle"), "-p", "no:cacheprovider")
    assert result.ret == 0
    assert (pytester.path / "out" / "lane" / "verdict.json").is_file()
    assert not (pytester.path / "reports").exists()


def test_plugins_can_be_disabled(suite, pytester):
    suite(
        {}, "--collect-only"
    )  # writes the suite; the run itself is a subprocess, as a user runs it
    result = pytester.runpytest_subprocess(
        "--lane",
        "v0.1",
        "--replay-evidence",
        str(pytester.path / "bundle"),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:allure_pytest",
        "--strict-markers",
        "-p",
        "no:html",
    )
    result.assert_outcomes(passed=len(PASSIVE))
    assert result.ret == 0
    reports = pytester.path / "reports"
    assert (reports / "verdict.json").is_file() and not (reports / "report.html").exists()


def test_parallel_workers_reach_the_same_verdict(suite, pytester):
    result = suite({"RT-02": "fail"}, "-n", "2", "-k", "not AR-01")
    assert result.ret == 1
    doc = verdict_json(pytester)
    assert statuses(doc)["RT-02"] == "fail" and statuses(doc)["AR-01"] == "not judged"
    assert "deselected (-k/-m)" in next(c for c in doc["criteria"] if c["id"] == "AR-01")["reason"]


def keypair(directory):
    directory.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    private, public = directory / "signoff.key", directory / "signoff.pub"
    private.write_bytes(
        key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def test_signed_attestation_verifies_and_fails_when_one_byte_changes(
    suite, pytester, tmp_path, capsys
):
    from pytest_agentrun.cli import main

    private, public = keypair(tmp_path)
    assert suite({}, "--sign-key", str(private)).ret == 0
    signed = pytester.path / "reports" / attestation.FILE
    stmt = attestation.verify(signed, public)
    assert (
        stmt["_type"] == "https://in-toto.io/Statement/v1"
        and stmt["predicateType"] == attestation.VSA_V1
    )
    predicate = stmt["predicate"]
    assert (
        predicate["verificationResult"] == "PASSED"
        and predicate["policy"]["digest"]["sha256"] == attestation.policy_digest()
    )
    assert stmt["subject"][0]["name"] == "verdict.json", (
        "no lane identity readable: the verdict file is the subject"
    )
    assert main(["verify-signoff", str(signed), "--key", str(public)]) == 0
    envelope = json.loads(signed.read_text())
    payload = bytearray(base64.b64decode(envelope["payload"]))
    payload[payload.index(b"PASSED")] = ord("Q")  # one byte of the signed statement
    envelope["payload"] = base64.b64encode(bytes(payload)).decode()
    signed.write_text(json.dumps(envelope))
    capsys.readouterr()
    assert main(["verify-signoff", str(signed), "--key", str(public)]) == 8
    assert "NOT VERIFIED" in capsys.readouterr().err
    _, other = keypair(tmp_path / "other")
    with pytest.raises(attestation.AttestationError, match="does not verify"):
        attestation.verify(signed, other)


def test_a_failed_run_attests_failed_and_verify_signoff_says_not_signed_off(
    suite, pytester, tmp_path
):
    from pytest_agentrun.cli import main

    private, public = keypair(tmp_path)
    assert suite({"GO-02": "fail"}, "--sign-key", str(private)).ret == 1
    signed = pytester.path / "reports" / attestation.FILE
    assert attestation.verify(signed, public)["predicate"]["verificationResult"] == "FAILED"
    assert main(["verify-signoff", str(signed), "--key", str(public), "-o", "json"]) == 1


def test_an_unusable_sign_key_is_a_usage_error_before_the_run(suite, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    result = suite({}, "--sign-key", str(bad))
    assert result.ret == 4
    result.stderr.fnmatch_lines(
        ["ERROR: agentrun: --sign-key *: not a usable unencrypted PEM private key*"]
    )


def test_allure_titles_carry_the_criterion_links_can_be_https_and_no_lambda_steps(suite, pytester):
    assert suite({}, "--spec-url", "https://example.org/spec/criteria.md").ret == 0
    allure = pytester.path / "reports" / "allure-results"
    results = [json.loads(p.read_text()) for p in allure.glob("*-result.json")]
    assert len(results) == len(PASSIVE)
    for result in results:
        story = next(label["value"] for label in result["labels"] if label["name"] == "story")
        assert result["name"].startswith(f"{story}: ")
        [link] = result["links"]
        assert link["url"] == f"https://example.org/spec/criteria.md#:~:text={story}"
    steps = [
        step["name"]
        for p in allure.glob("*-container.json")
        for step in json.loads(p.read_text()).get("afters", [])
    ]
    assert not [name for name in steps if "<lambda>" in name or name.split("::")[-1].isdigit()], (
        steps
    )


def test_an_exception_inside_the_package_names_where_it_was_raised_and_the_evidence(
    pytester, suite
):
    """The error comes from inside pytest_agentrun (here: a Finding that contradicts itself, which
    the package refuses); the finding names that place and the evidence fixtures the test read."""
    pytester.makepyfile(
        test_broken="""
import pytest
from pytest_agentrun.finding import UNDECIDED, Finding

@pytest.fixture
def cluster():
    return {"kind": "Pod", "status": "Running"}

@pytest.mark.criterion("RT-03")
def test_pods(cluster, verdict):
    verdict([Finding("RT-03", True, "pod", "Ready", cluster["status"], "pod/x", {}, UNDECIDED)])
"""
    )
    result = pytester.runpytest(
        "--lane",
        "v0.1",
        "--replay-evidence",
        str(pytester.path / "bundle"),
        "-p",
        "no:cacheprovider",
        "test_broken.py",
    )
    assert result.ret == 1
    rt03 = next(c for c in verdict_json(pytester)["criteria"] if c["id"] == "RT-03")
    assert rt03["status"] == "cannot be decided", rt03
    assert (
        "(ValueError: an undecided finding never passes) at pytest_agentrun/finding.py:"
        in rt03["reason"]
    )
    assert "reading cluster [test_broken.py::test_pods]" in rt03["reason"]
    assert "Traceback" not in result.stdout.str()


def test_a_collection_error_leaves_its_criteria_not_judged_and_never_signs_off(suite, pytester):
    pytester.makepyfile(test_zz_broken="import a_module_that_does_not_exist\n")
    result = suite({}, "--continue-on-collection-errors")
    assert result.ret == 1, "pytest's own code for a collection error stands"
    doc = verdict_json(pytester)
    assert doc["verdict"] == "incomplete" and doc["collectionErrors"] == ["test_zz_broken.py"]
    result.stdout.fnmatch_lines(
        ["INCOMPLETE, NOT SIGNED OFF lane v0.1 *; collection errors in test_zz_broken.py*"]
    )
    result = suite({})
    assert result.ret == 2
    doc = verdict_json(pytester)
    assert doc["verdict"] == "incomplete"
    reason = next(c for c in doc["criteria"] if c["id"] == "RT-01")["reason"]
    assert "did not run" in reason or "collection errors: test_zz_broken.py" in reason, reason
