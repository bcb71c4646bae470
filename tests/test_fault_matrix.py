"""The fault matrix: the acceptance suite run against one sandbox lane through fault proxies.

A proxy on 127.0.0.1 sits in front of each of the lane's servers (the API server, git, the
registry); a case sets faults in them (or in the lane config, or in a copy of the mirror that
serves faulty GitOps commits), runs the suite in process, and asserts for every test:
- no false pass: a test that met unreadable evidence (an EvidenceError) did not pass, nor did the
  criteria the case names;
- no traceback: every failure is the suite's own one-line reason or findings, never a Python error;
- the message names the criterion and the evidence;
- the run ends in bounded time.
The lane is the session's conforming lane: nothing here changes it.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx_retries  # noqa: F401  (see below)
import pytest
import yaml

import pytest_agentrun
from agentrun_sandbox.gitserver import GitHttpServer, GitRoute
from fault_proxy import Fault, FaultProxy, hide_refs, tls_from_kubeconfig
from pytest_agentrun.evidence import cache as evidence_module
from pytest_agentrun.errors import EvidenceError
from suite_run import ROOT

# Every module of the package, and so its dependencies, is imported once here: the runs share them.
for _module in pkgutil.walk_packages(pytest_agentrun.__path__, "pytest_agentrun."):
    importlib.import_module(_module.name)

ACCEPTANCE = ROOT / "acceptance"
# Every resource read; the discovery roots /api (the preflight) and /apis are left alone.
KUBE_PATHS = r"^/(api|apis)/"
NS = "agentrun-v01"
PYTHON_ERRORS = re.compile(
    r"Traceback|\b(?:Attribute|Type|Key|Index|Value|JSONDecode|Name|Assertion)Error\b"
)
# A check that breaks on evidence it did not expect is "cannot be decided", one line naming
# the error (check_errors, the suite's own safety net): allowed, but only in that form,
# never as a traceback.
WRAPPED = re.compile(r"the check broke on unexpected evidence \([^\n]*?\) at [\w/.]+:\d+")


def python_error(text: str) -> re.Match | None:
    return PYTHON_ERRORS.search(WRAPPED.sub("", text))


def status_body(code: int, reason: str, message: str) -> bytes:
    return json.dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }
    ).encode()


def edit_json(edit):
    def rewrite(content: bytes) -> bytes:
        data = json.loads(content)
        edit(data)
        return json.dumps(data).encode()

    return rewrite


def each_item(edit):
    def apply(data):
        for item in data.get("items") or [data]:
            edit(item)

    return apply


@dataclass
class Case:
    id: str
    kube: list[Fault] = field(default_factory=list)
    git: list[Fault] = field(default_factory=list)
    registry: list[Fault] = field(default_factory=list)
    config: dict = field(default_factory=dict)  # lane config overrides: source/mirror/registry URLs
    kubeconfig: str | None = None  # a broken kubeconfig's text ("" = no file)
    gitops: str | None = None  # a faulty GitOps commit served by the mirror copy
    must_not_pass: tuple[str, ...] = ()
    must_say: str = ""  # in the messages of must_not_pass (or the usage error)
    all_pass: bool = False  # a transient fault: retries make every test pass
    usage_error: bool = False
    deadline: float | None = None  # --evidence-deadline for this case
    seconds: float = 45.0  # the run's time limit


FORBIDDEN = status_body(
    403,
    "Forbidden",
    'pipelineruns.tekton.dev is forbidden: User "system:serviceaccount:x:y" '
    'cannot list resource "pipelineruns" in API group "tekton.dev"',
)
REFUSED = "http://127.0.0.1:9"  # nothing listens on the discard port

CASES = [
    # Kubernetes API
    Case(
        "kube-503-persistent",
        kube=[Fault(KUBE_PATHS, status=503, body=status_body(503, "ServiceUnavailable", "x"))],
        must_not_pass=("RT-01", "AR-01", "TK-01"),
        must_say="HTTP 503 after retries",
    ),
    Case("kube-503-transient", kube=[Fault(KUBE_PATHS, status=503, times=2)], all_pass=True),
    Case(
        "kube-429-retry-after",
        kube=[Fault(KUBE_PATHS, status=429, headers={"Retry-After": "1"}, times=1)],
        all_pass=True,
    ),
    Case(
        "kube-500-on-pipelineruns",
        kube=[Fault(r"/pipelineruns", status=500, body=status_body(500, "x", "boom"))],
        must_not_pass=("TK-02",),
        must_say="HTTP 500",
    ),
    Case(
        "kube-401",
        kube=[Fault(KUBE_PATHS, status=401, body=status_body(401, "Unauthorized", "Unauthorized"))],
        must_not_pass=("RT-01", "AR-04", "TK-01"),
        must_say="unauthorised (HTTP 401)",
    ),
    Case(
        "kube-401-at-preflight",
        kube=[Fault(r"^/api$", status=401, body=status_body(401, "Unauthorized", "x"))],
        usage_error=True,
        must_say="unauthorised (HTTP 401)",
    ),
    Case(
        "kube-403-pipelineruns",
        kube=[Fault(r"/pipelineruns", status=403, body=FORBIDDEN)],
        must_not_pass=("TK-02",),
        must_say="forbidden (HTTP 403): RBAC does not allow",
    ),
    Case(
        "kube-hang",
        kube=[Fault(KUBE_PATHS, hang=True)],
        deadline=4,
        seconds=40,
        must_not_pass=("RT-01", "AR-01", "TK-01"),
        must_say="API server unreachable",
    ),
    Case(
        "kube-reset",
        kube=[Fault(KUBE_PATHS, reset=True)],
        must_not_pass=("RT-01", "AR-01"),
        must_say="connection reset",
    ),
    Case(
        "kube-refused",
        config={"api": REFUSED},
        usage_error=True,
        must_say="unreachable (connection refused)",
    ),
    Case(
        "kube-404-applications",
        kube=[Fault(r"/applications(\?|$)", status=404, body=b"404 page not found")],
        must_not_pass=("AR-04",),
        must_say="Application (applications, argoproj.io/v1alpha1) is not served",
    ),
    Case(
        "kube-404-pods",
        kube=[Fault(rf"/namespaces/{NS}/pods(\?|$)", status=404, body=b"404 page not found")],
        must_not_pass=("AP-01", "AP-02", "REG-03", "RT-03"),
        must_say="is not served by the API server",
    ),
    # objects of unexpected shape
    Case(
        "pods-items-null",
        kube=[
            Fault(
                rf"/namespaces/{NS}/pods(\?|$)", rewrite=edit_json(lambda d: d.update(items=None))
            )
        ],
        must_not_pass=("RT-03", "AP-01", "REG-03"),
        must_say="malformed PodList: at $.items: expected array",
    ),
    Case(
        "pod-status-string",
        kube=[
            Fault(
                rf"/namespaces/{NS}/pods(\?|$)",
                rewrite=edit_json(each_item(lambda i: i.update(status="Running"))),
            )
        ],
        must_not_pass=("RT-03", "RT-04"),
        must_say=".status: expected object, found string",
    ),
    Case(
        "application-item-without-metadata",
        kube=[
            Fault(
                r"/namespaces/argocd/applications(\?|$)",
                rewrite=edit_json(lambda d: d["items"][0].pop("metadata")),
            )
        ],
        must_not_pass=("AR-04",),
        must_say="'metadata' is a required field",
    ),
    Case(
        "pipelinerun-conditions-dict",
        kube=[
            Fault(
                r"/pipelineruns",
                rewrite=edit_json(
                    each_item(
                        lambda i: i.setdefault("status", {}).update(
                            conditions={"type": "Succeeded", "status": "True"}
                        )
                    )
                ),
            )
        ],
        must_not_pass=("TK-02",),
        must_say="status.conditions: expected array, found object",
    ),
    # the registry
    Case(
        "registry-refused",
        config={"registry": REFUSED},
        must_not_pass=("REG-01", "REG-02"),
        must_say="registry unreachable (connection refused)",
    ),
    Case("registry-503-transient", registry=[Fault("", status=503, times=2)], all_pass=True),
    Case(
        "registry-503-persistent",
        registry=[Fault("", status=503)],
        must_not_pass=("REG-01", "REG-02"),
        must_say="HTTP 503 after retries",
    ),
    Case(
        "registry-html",
        registry=[
            Fault(
                r"/tags/list",
                status=200,
                body=b"<html><body>login</body></html>",
                headers={"Content-Type": "text/html"},
            )
        ],
        must_not_pass=("REG-03",),
        must_say="answer is not JSON (text/html)",
    ),
    Case(
        "registry-truncated",
        registry=[Fault(r"/tags/list", truncate=5)],
        must_not_pass=("REG-03",),
        must_say="registry",
    ),
    Case(
        "registry-hang",
        registry=[Fault("", hang=True)],
        seconds=40,
        must_not_pass=("REG-01", "REG-02"),
        must_say="registry did not answer in time",
    ),
    Case("registry-slow", registry=[Fault("", delay=0.15)], all_pass=True),
    # git: the mirror and GitHub
    Case(
        "mirror-refused",
        config={"mirror": REFUSED},
        must_not_pass=("GO-01", "MR-01", "CT-01"),
        must_say="Couldn't connect to server",
    ),
    Case(
        "github-refused",
        config={"source": REFUSED},
        must_not_pass=("SRC-01", "MR-01"),
        must_say="Couldn't connect to server",
    ),
    Case(
        "git-503",
        git=[Fault(r"/mirror-read/", status=503)],
        must_not_pass=("GO-01", "CT-01"),
        must_say="returned error: 503",
    ),
    Case("git-slow", git=[Fault("", delay=0.1)], all_pass=True, seconds=60),
    Case(
        "git-truncated",
        git=[Fault(r"/mirror-read/.*info/refs", truncate=40)],
        must_not_pass=("GO-01", "CT-01"),
    ),
    Case(
        "github-without-v0.1",
        git=[hide_refs("/github/", r"^refs/heads/v0\.1$")],
        must_not_pass=("TK-11", "MR-01"),
    ),
    Case(
        "mirror-without-gitops-branch",
        git=[hide_refs("/mirror-read/", r"^refs/heads/v0\.1-gitops$")],
        must_not_pass=("GO-01", "CT-01", "GO-02"),
        must_say="branch",
    ),
    # kubeconfigs
    Case(
        "kubeconfig-not-yaml",
        kubeconfig="clusters: [unclosed\n",
        usage_error=True,
        must_say="kubeconfig",
    ),
    Case("kubeconfig-missing", kubeconfig="", usage_error=True, must_say="does not exist"),
    Case("kubeconfig-unknown-context", kubeconfig="context", usage_error=True, must_say="context"),
    # GitOps content
    Case(
        "catalog-not-json",
        gitops="catalog-not-json",
        must_not_pass=("CT-01", "CT-02", "REG-01", "GO-02"),
    ),
    Case("catalog-mistyped", gitops="catalog-mistyped", must_not_pass=("CT-01", "CT-02", "CT-03")),
    Case("catalog-huge", gitops="catalog-huge", must_not_pass=("CT-01",), seconds=60),
    Case(
        "runtime-file-not-yaml-in-a-commit-without-message",
        gitops="runtime-not-yaml",
        must_not_pass=("GO-01", "GO-07"),
        must_say=".yaml:",
    ),
]

# Faults on different sources (or on different resources of one) share a run: each case's own
# expectations are checked in it, and so are the general ones. Faults that one criterion meets in
# turn do not share one (a pod fault would hide a registry fault from REG-03), and a fault on git
# stands alone, as nearly every criterion reads the GitOps branch.
BY_ID = {case.id: case for case in CASES}
RUNS = [
    ("kube-503-persistent", "registry-refused"),
    ("kube-401", "registry-hang"),
    ("kube-hang",),
    ("kube-reset", "github-without-v0.1"),
    ("kube-503-transient", "kube-429-retry-after", "registry-503-transient", "registry-slow"),
    ("kube-500-on-pipelineruns", "kube-404-applications", "registry-html"),
    ("kube-403-pipelineruns", "application-item-without-metadata", "registry-truncated"),
    ("pods-items-null", "pipelinerun-conditions-dict"),
    ("pod-status-string", "registry-503-persistent"),
    ("mirror-refused",),
    ("github-refused",),
    ("git-503",),
    ("git-slow",),
    ("git-truncated",),
    ("mirror-without-gitops-branch",),
    ("catalog-not-json",),
    ("catalog-mistyped",),
    ("catalog-huge",),
    ("runtime-file-not-yaml-in-a-commit-without-message", "kube-404-pods"),
    ("kube-refused",),
    ("kube-401-at-preflight",),
    ("kubeconfig-not-yaml",),
    ("kubeconfig-missing",),
    ("kubeconfig-unknown-context",),
]


# -- the lane behind the proxies -------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxies(conforming_lane):
    info = conforming_lane.info
    tls = (
        tls_from_kubeconfig(conforming_lane.kubeconfig)
        if info["api"].startswith("https:")
        else None
    )
    started = {
        "kube": FaultProxy(info["api"], tls=tls).start(),
        "git": FaultProxy(info["git"]).start(),
        "registry": FaultProxy(info["registry"]).start(),
    }
    yield started
    for proxy in started.values():
        proxy.stop()


@pytest.fixture(scope="module")
def mirror_copy(conforming_lane, tmp_path_factory):
    """A copy of the lane's mirror, served read-only, holding one faulty GitOps commit per case
    (branch fault/<name>); a case points v0.1-gitops at its commit."""
    root = tmp_path_factory.mktemp("mirror-copy") / "mirror"
    shutil.copytree(conforming_lane.paths.mirror, root)
    bare = next(root.glob("*/*.git"))
    server = GitHttpServer([GitRoute("/mirror-read", root, push=False)]).start()
    heads = {
        name: commit(bare, tmp_path_factory.mktemp(name), change)
        for name, change in GITOPS_FAULTS.items()
    }
    original = git(bare, "rev-parse", "refs/heads/v0.1-gitops")
    yield server, bare, heads, original
    server.stop()


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "ci",
            "GIT_AUTHOR_EMAIL": "ci@example.invalid",
            "GIT_COMMITTER_NAME": "ci",
            "GIT_COMMITTER_EMAIL": "ci@example.invalid",
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
        },
    )
    return done.stdout.strip()


def commit(bare: Path, scratch: Path, change) -> str:
    work = scratch / "work"
    subprocess.run(["git", "clone", "-q", "-b", "v0.1-gitops", str(bare), str(work)], check=True)
    message = change(work)
    git(work, "add", "-A")
    git(work, "commit", "-q", "--allow-empty", "--allow-empty-message", "-m", message)
    name = scratch.name
    git(work, "push", "-q", "origin", f"HEAD:refs/heads/fault/{name}")
    return git(work, "rev-parse", "HEAD")


CATALOG = "deploy/artifact-catalog.v01.json"


def _catalog(work: Path, edit) -> str:
    path = work / CATALOG
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return "promote: catalog"


def _mistype(data: dict) -> None:
    service = data["services"][0]
    service["image"] = (
        f"{service['image'].get('repository', 'x')}@{service['image'].get('digest', '')}"
    )
    service["imageRef"] = [service.get("imageRef")]


def _runtime_not_yaml(work: Path) -> str:
    runtime = next(p for p in work.glob("deploy/**/*.yaml") if p.name != "kustomization.yaml")
    runtime.write_text(runtime.read_text() + "\n---\nkind: ConfigMap\nmetadata:\n  name: [broken\n")
    (runtime.parent / "extra.json").write_text('{"kind": "ConfigMap", "metadata": ')
    return ""


GITOPS_FAULTS = {
    "catalog-not-json": lambda work: (
        (work / CATALOG).write_text("{ not json\n"),
        "promote: catalog",
    )[1],
    "catalog-mistyped": lambda work: _catalog(work, _mistype),
    "catalog-huge": lambda work: _catalog(work, lambda d: d.update(notes=["padding " * 64] * 3000)),
    "runtime-not-yaml": _runtime_not_yaml,  # committed with an empty message
}


# -- one case -------------------------------------------------------------------------------------


class Probe:
    """Watches the inner run: each test's outcome and failure text, and the
    evidence errors it met."""

    def __init__(self):
        self.current: str | None = None
        self.criteria: dict[str, list[str]] = {}
        self.failures: dict[str, str] = {}
        self.outcome: dict[str, str] = {}
        self.met_errors: dict[str, list[str]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.current = item.nodeid
        self.criteria[item.nodeid] = [
            str(a) for m in item.iter_markers("criterion") for a in m.args
        ]
        self.outcome[item.nodeid] = "passed"
        yield
        self.current = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item):
        # The last test's teardown ends the session's fixtures, and the run's verdict may read
        # evidence then: that is not the test's.
        self.current = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        if call.excinfo is not None and call.excinfo.errisinstance(EvidenceError):
            self.met_errors.setdefault(item.nodeid, []).append(str(call.excinfo.value))
        yield

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.outcome[report.nodeid] = "failed"
            self.failures[report.nodeid] = (
                self.failures.get(report.nodeid, "") + report.longreprtext
            )
        elif report.skipped and self.outcome.get(report.nodeid) == "passed":
            self.outcome[report.nodeid] = "skipped"

    def passed(self, criterion: str) -> bool:
        tests = [n for n, c in self.criteria.items() if criterion in c]
        return bool(tests) and all(self.outcome[n] == "passed" for n in tests)


@pytest.fixture
def watch_evidence(monkeypatch):
    """Every EvidenceError a read raises (cached ones too) is noted against the running test."""
    probe = Probe()
    real_get = evidence_module.EvidenceCache.get

    def get(self, source, key, fetch):
        try:
            return real_get(self, source, key, fetch)
        except EvidenceError as exc:
            # Only the test's own reads: the prefetch pool (prefetch.py) reads on other threads.
            if probe.current and threading.current_thread() is threading.main_thread():
                probe.met_errors.setdefault(probe.current, []).append(str(exc))
            raise

    monkeypatch.setattr(evidence_module.EvidenceCache, "get", get)
    return probe


def lane_config(case: Case, lane, proxies, mirror_copy, directory: Path) -> Path:
    config = yaml.safe_load(lane.lane_config.read_text())
    git_url, registry_url = proxies["git"].url, proxies["registry"].url
    for side, key in (("source", "repoUrl"), ("mirror", "readUrl"), ("mirror", "writeUrl")):
        config[side][key] = git_url + "/" + config[side][key].split("/", 3)[3]
    config["registry"]["url"] = registry_url
    if case.gitops:
        server, _, _, _ = mirror_copy
        config["mirror"]["readUrl"] = (
            server.url + "/" + config["mirror"]["readUrl"].split("/", 3)[3]
        )
    for side, url in case.config.items():
        if side == "source":
            config["source"]["repoUrl"] = url + "/github/x.git"
        elif side == "mirror":
            config["mirror"]["readUrl"] = url + "/mirror-read/x.git"
        elif side == "registry":
            config["registry"]["url"] = url
    config["source"]["worktree"] = str(lane.paths.root / "worktree")
    kubeconfig = yaml.safe_load(lane.kubeconfig.read_text())
    kubeconfig["clusters"][0]["cluster"]["server"] = case.config.get("api", proxies["kube"].url)
    text = yaml.safe_dump(kubeconfig)
    if case.kubeconfig == "context":
        config["kubernetes"]["context"] = "no-such-context"
    elif case.kubeconfig is not None:
        text = case.kubeconfig
    if text:
        (directory / "kubeconfig").write_text(text)
    config["kubernetes"]["kubeconfig"] = "kubeconfig"
    path = directory / "lane.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize("run", RUNS, ids=["+".join(run) for run in RUNS])
def test_fault(run, conforming_lane, proxies, mirror_copy, watch_evidence, capsys, tmp_path):
    cases = [BY_ID[name] for name in run]
    probe = watch_evidence
    for name in ("kube", "git", "registry"):
        proxies[name].set(*[fault for case in cases for fault in getattr(case, name)])
    merged = Case(
        "+".join(run),
        config={k: v for c in cases for k, v in c.config.items()},
        kubeconfig=next((c.kubeconfig for c in cases if c.kubeconfig is not None), None),
        gitops=next((c.gitops for c in cases if c.gitops), None),
    )
    _, bare, heads, original = mirror_copy
    if merged.gitops:
        git(bare, "update-ref", "refs/heads/v0.1-gitops", heads[merged.gitops])
    args = [
        str(ACCEPTANCE),
        "--lane",
        "v0.1",
        "--lane-config",
        str(lane_config(merged, conforming_lane, proxies, mirror_copy, tmp_path)),
        "--agentrun-reports",
        str(tmp_path / "reports"),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:html",
        "-p",
        "no:allure_pytest",
        "-q",
    ]
    deadline = max((c.deadline for c in cases if c.deadline), default=None)
    if deadline:
        args += ["--evidence-deadline", str(deadline)]
    started = time.monotonic()
    try:
        # In this process, not pytester's: its runs drop the modules each imported, and a module
        # imported anew no longer matches the classes its dependencies kept (httpx over httpcore).
        ret = pytest.main(args, plugins=[probe])
    finally:
        for proxy in proxies.values():
            proxy.clear()
        git(bare, "update-ref", "refs/heads/v0.1-gitops", original)
    seconds = time.monotonic() - started
    captured = capsys.readouterr()
    output = captured.out + captured.err

    assert seconds < max(c.seconds for c in cases), f"{run} took {seconds:.1f} s"
    if any(c.usage_error for c in cases):
        assert ret == pytest.ExitCode.USAGE_ERROR, output[-1500:]
        line = next(l for l in output.splitlines() if "agentrun:" in l)
        assert all(c.must_say in line for c in cases) and not python_error(output), output[-1500:]
        return
    assert probe.outcome, output[-3000:]
    if all(c.all_pass for c in cases):
        assert not probe.failures, "\n".join(f"{n}: {t[:300]}" for n, t in probe.failures.items())
    false_passes = [n for n, errors in probe.met_errors.items() if probe.outcome.get(n) == "passed"]
    assert not false_passes, {n: probe.met_errors[n][:2] for n in false_passes}
    for case in cases:
        assert not [c for c in case.must_not_pass if probe.passed(c)], (case.id, probe.outcome)
    for node, text in probe.failures.items():
        assert not python_error(text), f"{node}:\n{text[:1500]}"
        assert any(c in text for c in probe.criteria[node]), (
            f"{node} does not name its criterion:\n{text[:500]}"
        )
    said = "\n".join(
        probe.failures.values()
    )  # which test meets a reason first depends on the order
    for case in cases:
        assert case.must_say in said, (case.id, said[:2000])
