"""Trigger the flagship DAG through /api/v2 and poll the run to success: needs
`sluice standalone` (scheduler and workers beside the server)."""
import time

import pytest

from conftest import FLAGSHIP
from sluice_api import Server, has_standalone


def test_trigger_and_poll_a_run_to_success(sluice, home):
    if not has_standalone():
        pytest.xfail("`sluice standalone` does not exist in this build yet")
    server = Server(sluice.env, home, command=("standalone",))
    server.create_users()
    server.start(timeout=120)
    try:
        token = server.token()
        run = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                             {"logical_date": None, "conf": {}}, token=token)
        assert run.status == 200, run
        run_id = run.json["dag_run_id"]
        quoted = run_id.replace(":", "%3A").replace("+", "%2B")
        deadline = time.monotonic() + 600
        state = run.json["state"]
        while state not in ("success", "failed"):
            assert time.monotonic() < deadline, f"run {run_id} still {state}\n{server.log()}"
            time.sleep(2)
            state = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}",
                                   token=token).json["state"]
        assert state == "success", server.log()
        tis = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}/taskInstances",
                             token=token).json["task_instances"]
        assert tis and all(ti["state"] == "success" for ti in tis), tis
        lineage = server.request("GET", f"/api/v2/sluice/dags/{FLAGSHIP}/dagRuns/{quoted}/lineage",
                                 token=token)
        assert lineage.status == 200, lineage
        assert len(lineage.json["tables"]) == 6
        assert all(t["warehouse"] and t["warehouse"]["rows"] > 0 for t in lineage.json["tables"])
        assert lineage.json["ok"] is True
    finally:
        server.stop()
