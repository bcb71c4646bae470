"""A cluster kept for many lanes (controlplane/host.py) is reset between them: what a lane made
goes, even what no controller would release any more, and a reset that cannot bring the
cluster back to its baseline starts a fresh one instead of handing on a dirty one."""

from __future__ import annotations

import json

import pytest

from agentrun_sandbox import lane as sandbox
from agentrun_sandbox.controlplane import reset, seeding
from agentrun_sandbox.scenarios import SCENARIOS, SandboxControl
from suite_run import run_suite_in_process
from world_groups import world_params


def differences(host) -> tuple[list, list]:
    """What the cluster has beyond its baseline and the seed's namespaces the reset emptied
    (reset.namespaces_kept), and what of those changed."""
    with host.plane.client() as api:
        now = reset.inventory(api, reset.resources(api))
        return reset.differences(host.baseline | host.emptied, now)


def counts(host) -> tuple[int, int, int]:
    """(lanes that kept the seed before them, lanes whose additions were deleted, restarts)."""
    return host.kept, host.cleared, len(host.restarts)


def since(before: tuple[int, int, int], host) -> tuple[int, ...]:
    return tuple(now - then for now, then in zip(counts(host), before))


def test_a_reset_removes_a_lane_even_a_namespace_held_by_a_finalizer(tmp_path):
    with sandbox.cluster_hosts(tmp_path / "clusters") as hosts:
        host = hosts.of("default")
        with sandbox.in_process(tmp_path / "first", host=host) as lane:
            # A Terminating namespace whose ConfigMap holds a finalizer no controller removes.
            SCENARIOS["namespace-terminating"].apply(SandboxControl(lane.paths.root))
            made, _ = differences(host)
            assert any(k.resource == "namespaces" and k.name == "agentrun-v01" for k in made)
            assert any(k.resource == "pods" for k in made)
        assert host.restarts == []
        assert differences(host) == ([], [])
        # The seed's other namespaces were emptied and kept; the one the lane deleted went, ended
        # by the namespace controller (a reset ending it could race the controller's pass).
        kept = {k.name for k in host.emptied if k.resource == "namespaces"}
        assert {"agentrun-ci", "argocd"} <= kept and "agentrun-v01" not in kept

        # The next lane finds the cluster as the first one did, and is judged the same.
        with sandbox.in_process(tmp_path / "second", host=host) as lane:
            control = SandboxControl(lane.paths.root)
            namespace = json.loads(control.kubectl("get", "namespace", "agentrun-v01", "-o=json"))
            assert namespace["status"]["phase"] == "Active"
            # The audit log begins where this lane began: the first lane's delete is not in it.
            requests = lane.paths.api_requests()
            assert any(r["resource"] == "namespaces" and r["verb"] == "get" for r in requests)
            assert not [r for r in requests if r["verb"] == "delete"]
        group = host.plane.group
    # Every component ended on SIGTERM within its grace: no watch the sandbox opened held
    # kube-apiserver's graceful stop, which waits for every open watch to end.
    assert group.killed == []


# The next two break the worker's cluster on purpose: the restart they show is what their own
# cluster would cost, and the worker's later lanes get the fresh one.


def test_a_reset_that_cannot_undo_a_change_starts_the_cluster_anew(tmp_path, cluster_hosts):
    host = cluster_hosts.of("default")
    restarts = len(host.restarts)
    with sandbox.in_process(tmp_path / "lane", host=host) as lane:
        before = host.plane.url
        # A change to what was there before the lane, which deleting its objects cannot undo.
        SandboxControl(lane.paths.root).kubectl(
            "label", "namespace", "kube-system", "agentrun.io/touched=yes"
        )
    assert len(host.restarts) == restarts + 1
    assert "changed: namespaces.v1 kube-system" in host.restarts[-1]
    assert host.plane.url != before, "a fresh control plane"
    assert differences(host) == ([], [])


def test_a_cluster_a_lane_broke_is_started_anew(tmp_path, cluster_hosts):
    host = cluster_hosts.of("default")
    restarts = len(host.restarts)
    with sandbox.in_process(tmp_path / "lane", host=host):
        apiserver = next(c for c in host.plane.group.components if c.name == "kube-apiserver")
        apiserver.process.kill()
        apiserver.process.wait()
    assert len(host.restarts) == restarts + 1
    assert "kube-apiserver is not running" in host.restarts[-1]
    assert differences(host) == ([], [])


def test_a_seed_left_untouched_is_kept_by_the_next_lane_and_a_write_ends_it(
    tmp_path, cluster_hosts
):
    """A lane that only violated git or its worktree leaves the cluster as the seed made it:
    the next lane keeps it (no reset, no new seed) and is judged on it as on a fresh one. A write
    to the cluster, or a container log on the node, sends the next lane back to a fresh seed."""
    seeds = tmp_path / "seeds"
    host = cluster_hosts.of("default")  # the worker's, used by tests before this one
    before = counts(host)

    def lane(name: str):
        return sandbox.in_process(tmp_path / name, host=host, seed_cache=seeds)

    def namespace(control: SandboxControl) -> dict:
        return json.loads(control.kubectl("get", "namespace", "agentrun-v01", "-o=json"))

    with lane("first") as first:
        assert "seed applied" in first.info["phases"]
        control = SandboxControl(first.paths.root)
        uid = namespace(control)["metadata"]["uid"]
        SCENARIOS["worktree-untracked-file"].apply(control)
    with lane("second") as second:
        assert "seed kept" in second.info["phases"]
        control = SandboxControl(second.paths.root)
        assert namespace(control)["metadata"]["uid"] == uid
        result = run_suite_in_process(second.lane_config, tmp_path / "reports", None)
        assert result.failed() == set() and "SRC-01" in result.passed()
        control.kubectl("annotate", "namespace", "agentrun-v01", "agentrun.io/touched=yes")
    with lane("third") as third:
        assert "seed applied" in third.info["phases"]
        control = SandboxControl(third.paths.root)
        assert "agentrun.io/touched" not in namespace(control)["metadata"].get("annotations", {})
        (third.paths.root / "runtime" / "logs" / "current.log").write_text("a line\n")
    with lane("fourth") as fourth:
        assert "seed applied" in fourth.info["phases"]
    assert since(before, host) == (1, 0, 0)


def test_a_write_landing_just_after_the_seeds_inventory_belongs_to_the_seed(
    tmp_path, cluster_hosts, monkeypatch
):
    """The controllers' events and statuses may land a moment after the rollout ends, later on
    a loaded machine (CI once saw a passive lane's release find the seed changed). The seed's
    inventory counts only once etcd still holds it a moment later, so such a write is part of
    the seed: a lane that wrote nothing leaves the seed kept, with nothing deleted."""
    seeds = tmp_path / "seeds"
    host = cluster_hosts.of("default")  # the worker's, used by tests before this one

    def lane(name: str):
        return sandbox.in_process(tmp_path / name, host=host, seed_cache=seeds)

    with lane("writes") as writes:  # so that the next lane applies the seed anew
        SandboxControl(writes.paths.root).kubectl("annotate", "namespace", "agentrun-v01", "a=b")
    before = counts(host)
    taken, late = reset.inventory, []

    def inventory_then_a_late_event(api, kinds):
        objects = taken(api, kinds)
        if not late:  # an event the seed's rollout left behind, written as the inventory ends
            event = {
                "metadata": {"name": "agentrun-mgr.late"},
                "involvedObject": {"kind": "Pod", "namespace": "agentrun-v01", "name": "late"},
                "reason": "Late",
                "type": "Normal",
            }
            late.append(api.post("/api/v1/namespaces/agentrun-v01/events", json=event))
            late[0].raise_for_status()
        return objects

    monkeypatch.setattr(reset, "inventory", inventory_then_a_late_event)
    with lane("first") as first:
        assert "seed applied" in first.info["phases"] and late
    with lane("second") as second:
        assert "seed kept" in second.info["phases"]
        events = SandboxControl(second.paths.root).kubectl("get", "events", "-A", "-o=name")
        assert "agentrun-mgr.late" in events
    assert since(before, host) == (1, 0, 0)


@pytest.mark.parametrize("world", world_params("argocd3", "lived-in"))
def test_a_world_that_rolls_out_a_release_before_keeps_its_seed(world, tmp_path, cluster_hosts):
    """The worlds whose seed rolls out the release before the current one: a lane that wrote
    nothing leaves the seed for the next lane to keep. (Once no lane of these worlds kept one:
    the Pod the rollout replaced went a second after the seed's inventory. The seed now waits
    for it, seeding.wait_for_terminations; with today's timings this test passes without that
    wait too, so it guards the keep, not the wait.)"""
    host = cluster_hosts.of(world)
    before = counts(host)
    for name in ("first", "second"):
        with sandbox.in_process(
            tmp_path / name, world=world, host=host, seed_cache=tmp_path / "seeds"
        ) as lane:
            seen = SandboxControl(lane.paths.root).kubectl("get", "pods,rs", "-A", "-o=json")
    assert "seed kept" in lane.info["phases"]
    assert since(before, host) == (1, 0, 0)
    # The replaced Pods stopped at once (seeding.wait_for_terminations) and left no trace.
    assert seeding.POD_DELETE_DELAY not in seen and "agentrun-mgr" in seen


def test_a_seed_a_lane_only_added_to_is_kept_once_the_additions_are_gone(tmp_path, cluster_hosts):
    """A lane that only made objects of its own (a ConfigMap by hand, a Deployment that rolled
    out): the reset deletes them, and once etcd holds the seed's objects as they were and
    nothing more, the next lane keeps the seed, without the additions."""
    seeds = tmp_path / "seeds"
    host = cluster_hosts.of("default")  # the worker's, used by tests before this one
    before = counts(host)

    def lane(name: str):
        return sandbox.in_process(tmp_path / name, host=host, seed_cache=seeds)

    with lane("first") as first:
        control = SandboxControl(first.paths.root)
        control.kubectl("create", "configmap", "made-by-hand", "-n", "agentrun-v01")
        SCENARIOS["ci-poller-deployment"].apply(control)
    with lane("second") as second:
        assert "seed kept" in second.info["phases"]
        control = SandboxControl(second.paths.root)
        names = control.kubectl("get", "configmaps,deployments", "-A", "-o=name")
        assert "made-by-hand" not in names and "ci-poller" not in names, names
        result = run_suite_in_process(second.lane_config, tmp_path / "reports", None)
        assert result.failed() == set(), {c: result.messages[c] for c in result.failed()}
    assert since(before, host) == (1, 1, 0)


def test_a_lane_of_another_seed_does_not_build_on_a_kept_one(tmp_path, cluster_hosts):
    """Without a seed cache each lane makes its own seed (other commits): the seed the lane
    before left is taken away before the new one goes on, never built upon."""
    host = cluster_hosts.of("default")  # the worker's, used by tests before this one
    before = counts(host)
    with sandbox.in_process(tmp_path / "first", host=host) as first:
        pass
    with sandbox.in_process(tmp_path / "second", host=host) as second:
        assert "seed applied" in second.info["phases"]
        assert second.info["releases"] != first.info["releases"]
        control = SandboxControl(second.paths.root)
        runs = json.loads(control.kubectl("get", "pipelineruns.tekton.dev", "-A", "-o", "json"))[
            "items"
        ]
        made_for = {r["metadata"]["name"][-12:] for r in runs}
        assert made_for and made_for <= {c[:12] for c in second.info["releases"]}
    assert since(before, host) == (0, 0, 0)
