"""The real apache-airflow-client (pinned 3.x, in the venv scripts/python-env
makes) drives sluice unchanged: token, DAGs, pause, trigger with conf, runs,
task instances, logs. Its response models are strict, so a missing or
mistyped field fails here."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import FLAGSHIP, ROOT
from sluice_api import ADMIN_PASSWORD, Server, has_standalone, server_env

DEV_HOME = Path(os.environ.get("SLUICE_DEV_HOME", ROOT / ".sluice-dev"))
VENV_PYTHON = DEV_HOME / "venv" / "bin" / "python"

CLIENT_SCRIPT = textwrap.dedent("""
    import json, sys, time, urllib.request
    import airflow_client.client as client
    from airflow_client.client.api import dag_api, dag_run_api, task_instance_api, monitor_api
    from airflow_client.client.models import DAGPatchBody, TriggerDAGRunPostBody

    base, dag_id, password, poll_seconds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    request = urllib.request.Request(base + "/auth/token", method="POST",
        data=json.dumps({"username": "admin", "password": password}).encode(),
        headers={"Content-Type": "application/json"})
    token = json.load(urllib.request.urlopen(request))["access_token"]
    api = client.ApiClient(client.Configuration(host=base, access_token=token))
    dags = dag_api.DAGApi(api)
    runs = dag_run_api.DagRunApi(api)
    tis = task_instance_api.TaskInstanceApi(api)

    listed = dags.get_dags(limit=10)
    assert [d.dag_id for d in listed.dags] == [dag_id], listed
    assert dags.get_dag(dag_id).dag_id == dag_id
    assert dags.patch_dag(dag_id, DAGPatchBody(is_paused=True)).is_paused is True
    assert dags.patch_dag(dag_id, DAGPatchBody(is_paused=False)).is_paused is False
    monitor_api.MonitorApi(api).get_health()

    run = runs.trigger_dag_run(dag_id, TriggerDAGRunPostBody(logical_date=None, conf={"by": "client"}))
    assert run.conf == {"by": "client"} and run.run_type.value == "manual", run
    got = runs.get_dag_run(dag_id, run.dag_run_id)
    assert got.dag_run_id == run.dag_run_id
    assert runs.get_dag_runs(dag_id).total_entries >= 1
    deadline = time.monotonic() + poll_seconds
    while poll_seconds and got.state.value not in ("success", "failed"):
        assert time.monotonic() < deadline, f"run still {got.state.value}"
        time.sleep(2)
        got = runs.get_dag_run(dag_id, run.dag_run_id)
    if poll_seconds:
        assert got.state.value == "success", got
    instances = tis.get_task_instances(dag_id, run.dag_run_id).task_instances
    assert instances, "no task instances"
    first = instances[0]
    if first.try_number >= 1:
        log = tis.get_log(dag_id, run.dag_run_id, first.task_id, first.try_number,
                          map_index=first.map_index)
        assert log.content is not None
        if poll_seconds:
            assert len(log.content.actual_instance) > 0, "empty log"
    print("client ok:", run.dag_run_id, got.state.value, len(instances), "task instances")
""")


def client_python():
    if VENV_PYTHON.exists():
        return str(VENV_PYTHON)
    if os.environ.get("CI") == "true":
        pytest.fail(f"{VENV_PYTHON} is missing: scripts/python-env should have made it")
    pytest.skip(f"apache-airflow-client is not installed: run scripts/python-env ({VENV_PYTHON})")


def run_client(server, poll_seconds):
    result = subprocess.run([client_python(), "-c", CLIENT_SCRIPT, server.base, FLAGSHIP,
                             ADMIN_PASSWORD, str(poll_seconds)],
                            capture_output=True, text=True, timeout=poll_seconds + 120)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n--- server log:\n{server.log()}"
    assert "client ok" in result.stdout


def test_airflow_client_against_webserver(home, dags, tmp_path):
    client_python()
    server = Server(server_env(home, dags, tmp_path / "lake"), home)
    server.create_users()
    server.start()
    try:
        run_client(server, poll_seconds=0)
    finally:
        server.stop()


def test_airflow_client_polls_a_run_to_success(sluice, home):
    """Needs `sluice standalone` (scheduler + workers + this server in one process)."""
    client_python()
    if not has_standalone():
        pytest.xfail("`sluice standalone` does not exist in this build yet")
    server = Server(sluice.env, home, command=("standalone",))
    server.create_users()
    server.start(timeout=120)
    try:
        run_client(server, poll_seconds=600)
    finally:
        server.stop()
