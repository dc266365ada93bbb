"""The orchestrator as users drive it: `sluice standalone` runs the flagship on
its schedule and on a manual trigger, `sluice run` is recorded, backfills
create exactly their runs and resume, clear re-runs downstream, and a
standalone killed with SIGKILL mid-run finishes the run after a restart."""
import json
import os
import signal
import time

from conftest import FLAGSHIP
from sluice_api import Server

NOOP_DAILY = """dag_id: noop_daily
schedule: {cron: "@daily", start_date: 2025-03-01, catchup: false}
tasks:
  first: {kind: noop}
  second: {kind: noop, upstream: [first]}
"""


def runs(sluice, dag_id):
    return json.loads(sluice.run("--output", "json", "runs", "list", dag_id, "--limit", "100").stdout)


def wait_for(predicate, timeout=180, what="condition", log=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{log()}")


def finished(sluice, dag_id, run_id):
    for run in runs(sluice, dag_id):
        if run["run_id"] == run_id and run["state"] in ("success", "failed"):
            return run
    return None


def test_standalone_runs_the_flagship_on_its_schedule_and_on_a_trigger(sluice, home, database):
    server = Server(sluice.env, home, command=("standalone",))
    server.start(timeout=120)
    try:
        # catchup is off: the latest complete interval is due at once.
        scheduled = wait_for(lambda: [r for r in runs(sluice, FLAGSHIP) if r["run_type"] == "scheduled"],
                             what="a scheduled run", log=server.log)[0]
        assert scheduled["run_id"].startswith("scheduled__")
        triggered = sluice.run("--output", "json", "dags", "trigger", FLAGSHIP, "--conf", '{"note": "x"}')
        run_id = json.loads(triggered.stdout)["run_id"]
        assert run_id.startswith("manual__")
        for rid in (scheduled["run_id"], run_id):
            run = wait_for(lambda: finished(sluice, FLAGSHIP, rid), what=f"run {rid}", log=server.log)
            assert run["state"] == "success", (run, server.log())
            states = {(t["task_id"], t["map_index"]): t["state"] for t in run["task_instances"]}
            # Collection and processing are mapped over the six resources and tables.
            assert sum(1 for task, _ in states if task == "raw_data_collection_task") == 6
            assert sum(1 for task, _ in states if task == "raw_data_processing_task") == 6
            assert set(states.values()) == {"success"}, states
        assert next(r for r in runs(sluice, FLAGSHIP) if r["run_id"] == run_id)["conf"] == {"note": "x"}
        comments = int(database.scalar("SELECT count(*) FROM jsonplaceholder.comments"))
        assert comments > 0

        text = sluice.run("runs", "list", FLAGSHIP).stdout
        assert run_id in text and "load_process_data_to_postgres" in text and "success" in text
        log = sluice.run("tasks", "logs", FLAGSHIP, run_id, "raw_data_collection_task",
                         "--map-index", "2").stdout
        assert "comments" in log and "task succeeded" in log, log

        # Clear processing and what follows it: the scheduler runs them again.
        cleared = sluice.run("tasks", "clear", FLAGSHIP, "raw_data_processing_task",
                             "--run-id", run_id, "--downstream").stdout
        assert "8 task instance(s) cleared" in cleared, cleared
        def rerun_done():
            run = finished(sluice, FLAGSHIP, run_id)
            return run if run and all(t["try_number"] == (2 if t["task_id"] != "raw_data_collection_task" else 1)
                                      for t in run["task_instances"]) else None
        run = wait_for(rerun_done, what="the cleared tasks' second try", log=server.log)
        assert run["state"] == "success"
        assert int(database.scalar("SELECT count(*) FROM jsonplaceholder.comments")) == comments
    finally:
        assert server.stop() == 0, server.log()


def test_sluice_run_is_recorded_like_any_other_run(sluice):
    sluice.run("run", FLAGSHIP, "--date", "2025-03-15", "--run-id", "cli_run_1")
    run = next(r for r in runs(sluice, FLAGSHIP) if r["run_id"] == "cli_run_1")
    assert run["state"] == "success"
    assert run["logical_date"].startswith("2025-03-15T00:00:00")
    assert {t["state"] for t in run["task_instances"]} == {"success"}
    assert len(run["task_instances"]) == 14  # 6 + 6 mapped, then create and load
    log = sluice.run("tasks", "logs", FLAGSHIP, "cli_run_1", "load_process_data_to_postgres").stdout
    assert "comments" in log
    out = json.loads(sluice.run("--output", "json", "run", FLAGSHIP, "--date", "2025-03-16").stdout)
    assert out["state"] == "success" and len(out["tasks"]) == 4, out
    assert out["tasks"][0]["outputs"]["records_out"] > 0


def test_backfill_creates_one_run_per_interval_and_resumes(sluice, dags):
    (dags / "noop_daily.yaml").write_text(NOOP_DAILY)
    out = sluice.run("backfill", "noop_daily", "--start", "2025-03-01", "--end", "2025-03-05").stdout
    assert "5 runs" in out and "0 failed" in out, out
    listed = runs(sluice, "noop_daily")
    assert sorted(r["logical_date"][:10] for r in listed) == [
        "2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-05"]
    assert all(r["run_type"] == "backfill" and r["state"] == "success" for r in listed)
    assert all(r["data_interval_end"][:10] == f"2025-03-0{int(r['logical_date'][9]) + 1}" for r in listed)
    # Again over a wider range: the five runs are kept, two are added.
    out = sluice.run("backfill", "noop_daily", "--start", "2025-03-01", "--end", "2025-03-07").stdout
    assert "7 runs" in out, out
    assert len(runs(sluice, "noop_daily")) == 7
    bad = sluice.run("backfill", "noop_daily", "--start", "2025-03-07", "--end", "2025-03-01", check=False)
    assert bad.returncode == 2 and "before" in bad.stderr


def test_pause_next_runs_and_db_commands(sluice, dags):
    (dags / "noop_daily.yaml").write_text(NOOP_DAILY)
    fresh = sluice.run("db", "check", check=False)
    assert fresh.returncode == 1 and "sluice db migrate" in fresh.stderr, fresh
    assert "schema version 0 ->" in sluice.run("db", "migrate").stdout
    assert "is current" in sluice.run("db", "check").stdout
    assert "noop_daily paused" in sluice.run("dags", "pause", "noop_daily").stdout
    nxt = json.loads(sluice.run("--output", "json", "dags", "next-runs", "noop_daily", "-n", "3").stdout)
    assert len(nxt) == 3
    assert all(r["logical_date"].endswith("T00:00:00+00:00") for r in nxt)
    unknown = sluice.run("dags", "pause", "no_such_dag", check=False)
    assert unknown.returncode == 2 and "no_such_dag" in unknown.stderr


CRASH_DAG = """dag_id: crash
tasks:
  slow:
    kind: command
    command: [sh, -c, "echo start >> {marks}; sleep 4; echo end >> {marks}"]
    retries: 1
    retry_delay: 1s
  after: {{kind: noop, upstream: [slow]}}
"""


def test_standalone_killed_mid_run_finishes_the_run_after_a_restart(sluice, home, dags, tmp_path):
    marks = tmp_path / "marks.txt"
    (dags / "crash.yaml").write_text(CRASH_DAG.format(marks=marks))
    server = Server(sluice.env, home, command=("standalone",))
    server.start(timeout=120)
    run_id = json.loads(sluice.run("--output", "json", "dags", "trigger", "crash").stdout)["run_id"]
    wait_for(lambda: marks.exists() and "start" in marks.read_text(), what="the task to start",
             log=server.log)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    time.sleep(5)  # the first try's command would have ended by now, had it survived
    assert marks.read_text().split() == ["start"], "the killed try's command ran on"

    restarted = Server(sluice.env, home, command=("standalone",))
    restarted.start(timeout=120)
    try:
        run = wait_for(lambda: finished(sluice, "crash", run_id), what="the run after restart",
                       log=restarted.log)
        assert run["state"] == "success", restarted.log()
        slow = next(t for t in run["task_instances"] if t["task_id"] == "slow")
        assert slow["try_number"] == 2
        assert marks.read_text().split() == ["start", "start", "end"]
        assert [r["run_id"] for r in runs(sluice, "crash")] == [run_id]
    finally:
        assert restarted.stop() == 0, restarted.log()


ENV_DAG = """dag_id: environment
tasks:
  show: {{kind: command, command: [sh, -c, "env > {out}"]}}
"""


def test_a_daemon_restarts_itself_without_gnutls_init_and_its_tasks_keep_the_users_environment(
        sluice, home, dags, tmp_path):
    out = tmp_path / "task-env.txt"
    (dags / "environment.yaml").write_text(ENV_DAG.format(out=out))
    server = Server(sluice.env, home, command=("standalone",))
    server.start(timeout=120)
    try:
        pid = server.process.pid
        # The same pid, re-executed with GnuTLS's load-time initialisation off.
        with open(f"/proc/{pid}/environ", "rb") as f:
            started_with = f.read().split(b"\0")
        assert b"GNUTLS_NO_IMPLICIT_INIT=1" in started_with, server.log()
        with open(f"/proc/{pid}/comm") as f:
            assert f.read().strip() == "sluice"
        run_id = json.loads(sluice.run("--output", "json", "dags", "trigger", "environment").stdout)[
            "run_id"]
        run = wait_for(lambda: finished(sluice, "environment", run_id), what="the run",
                       log=server.log)
        assert run["state"] == "success", server.log()
        task_env = out.read_text()
        assert "GNUTLS_NO_IMPLICIT_INIT" not in task_env
        assert "SLUICE_DAEMON_NO_GNUTLS_INIT" not in task_env
    finally:
        assert server.stop() == 0, server.log()


def test_a_daemon_started_with_the_variable_set_keeps_it_for_its_tasks(sluice, home, dags, tmp_path):
    out = tmp_path / "task-env.txt"
    (dags / "environment.yaml").write_text(ENV_DAG.format(out=out))
    server = Server(dict(sluice.env, GNUTLS_NO_IMPLICIT_INIT="0"), home, command=("standalone",))
    server.start(timeout=120)
    try:
        run_id = json.loads(sluice.run("--output", "json", "dags", "trigger", "environment").stdout)[
            "run_id"]
        run = wait_for(lambda: finished(sluice, "environment", run_id), what="the run",
                       log=server.log)
        assert run["state"] == "success", server.log()
        assert "GNUTLS_NO_IMPLICIT_INIT=0\n" in out.read_text()
    finally:
        assert server.stop() == 0, server.log()
