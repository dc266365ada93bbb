"""Airflow 3 as users run it: PostgreSQL metadata database, LocalExecutor,
scheduler + dag-processor + api-server, runs triggered through the REST API;
and `airflow dags test` for the in-process figure."""
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime

import measure
from rest import RestClient
from services import free_port

ANCHOR_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "anchors", "airflow")
PIPELINE_FOLDER = os.path.normpath(os.path.join(ANCHOR_ROOT, "pipeline"))
ALL_FOLDER = os.path.normpath(ANCHOR_ROOT)
STAGES = ["raw_data_collection_task", "raw_data_processing_task", "create_tables_task",
          "load_process_data_to_postgres"]


class Airflow:
    def __init__(self, venv, home, metadb_url, extra_env):
        self.venv, self.home = venv, home
        self.airflow = os.path.join(venv, "bin", "airflow")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        os.makedirs(home, exist_ok=True)
        secret_file = os.path.join(home, "jwt.secret")
        if not os.path.exists(secret_file):
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        self.env = dict(os.environ)
        self.env.update(extra_env)
        self.env.update({
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": PIPELINE_FOLDER,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN":
                metadb_url.replace("postgresql://", "postgresql+psycopg2://"),
            "AIRFLOW__API_AUTH__JWT_SECRET": open(secret_file).read().strip(),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.base,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "PATH": os.path.join(venv, "bin") + ":" + os.environ.get("PATH", ""),
        })
        self.processes = {}
        self.api = RestClient(self.base)

    def log(self, name):
        return os.path.join(self.home, f"{name}.log")

    def migrate(self):
        measure.run([self.airflow, "db", "migrate"], env=self.env, log_path=self.log("migrate"))

    # --- in-process -----------------------------------------------------------------------

    def dags_test(self, dag_id, logical_date):
        """`airflow dags test`: (Sample, {stage: Sample}) with per-stage figures from its log."""
        log_path = self.log(f"dags-test-{dag_id}")
        if os.path.exists(log_path):
            os.remove(log_path)
        series = []
        usage_path = self.log(f"dags-test-{dag_id}.time")
        start = time.monotonic()
        process = subprocess.Popen([measure.TIME, "-q", "-f", "%U %S %M", "-o", usage_path,
                                    self.airflow, "dags", "test", dag_id, logical_date],
                                   env=self.env, stdout=open(log_path, "wb"),
                                   stderr=subprocess.STDOUT)
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                series.append((time.time(), measure.tree_cpu([process.pid]),
                               measure.tree_rss_mib([process.pid])))
                stop.wait(0.1)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        process.wait()
        wall = time.monotonic() - start
        stop.set()
        thread.join()
        user, system, max_kib = (open(usage_path).read().split() or ["0"] * 3)[-3:]
        ok = process.returncode == 0 and "state=success" in open(log_path).read()
        total = measure.Sample(wall, float(user) + float(system), float(max_kib) / 1024, ok=ok)
        if not ok:
            total.note = f"see {log_path}"
        return total, stage_samples(log_path, series)

    # --- services ---------------------------------------------------------------------------

    def start(self, dags_folder=ALL_FOLDER, timeout=240):
        env = dict(self.env, AIRFLOW__CORE__DAGS_FOLDER=dags_folder)
        for name in ("api-server", "scheduler", "dag-processor"):
            self.processes[name] = subprocess.Popen(
                [self.airflow, name], env=env, stdout=open(self.log(name), "wb"),
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited {process.returncode}: {self.log(name)}")
            try:
                health = self.request("GET", "/api/v2/monitor/health")[1]
                if (health["scheduler"]["status"] == "healthy"
                        and health["dag_processor"]["status"] == "healthy"):
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"Airflow did not become healthy within {timeout}s ({self.home})")
        password_file = os.path.join(self.home, "simple_auth_manager_passwords.json.generated")
        password = json.load(open(password_file))["admin"]
        status, body = self.request("POST", "/auth/token",
                                    {"username": "admin", "password": password})
        if status not in (200, 201):
            raise RuntimeError(f"POST {self.base}/auth/token: HTTP {status}")
        self.api.token = body["access_token"]

    def wait_for_dags(self, dag_ids, timeout=300):
        deadline = time.monotonic() + timeout
        missing = set(dag_ids)
        while time.monotonic() < deadline:
            for dag_id in list(missing):
                status, body = self.request("GET", f"/api/v2/dags/{dag_id}")
                if status == 200 and not body.get("is_paused", False):
                    missing.discard(dag_id)
            if not missing:
                return
            time.sleep(1)
        raise RuntimeError(f"the dag-processor did not register {sorted(missing)} in {timeout}s")

    def roots(self):
        return [p.pid for p in self.processes.values() if p.poll() is None]

    def stop(self):
        self.api.close()
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes = {}

    def request(self, method, path, body=None):
        return self.api.request(method, path, body)


def trigger_and_wait(api, dag_id, roots, timeout=900, poll=0.05):
    """POST a run, poll it to a final state; a Sample of the whole tree of `roots`."""
    with measure.TreeWatch(roots, interval=0.5, pss=True) as watch:
        status, run = api.request("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                                  {"logical_date": None, "conf": {}})
        if status != 200:
            raise RuntimeError(f"trigger {dag_id}: HTTP {status}: {run}")
        run_id = urllib.parse.quote(run["dag_run_id"], safe="")
        state, deadline = run.get("state"), time.monotonic() + timeout
        while state not in ("success", "failed"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"run {run['dag_run_id']} of {dag_id} still {state} after {timeout}s")
            time.sleep(poll)
            status, body = api.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
            state = body.get("state") if isinstance(body, dict) else None
    sample = watch.sample(ok=state == "success")
    if not sample.ok:
        sample.note = f"{dag_id} run {state}"
    return sample


_LINE = re.compile(r"^(\S+Z) .*?(\[DAG TEST\] (?:running task|end task)|Task started)")
_TASK = re.compile(r"task_id=(\w+)|TaskInstance: [\w.]*?\.(\w+) ")


def stage_samples(log_path, series):
    """Per-task wall, CPU and peak RSS of a `dags test` run: from the task's acknowledged start
    (the execution API's "Task started") to its end, CPU and RSS from the sampled series."""
    bounds, current, started = {}, None, None
    for line in open(log_path, errors="replace"):
        match = _LINE.match(line)
        if not match:
            continue
        stamp = datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()
        what = match.group(2)
        task = _TASK.search(line)
        task_id = (task.group(1) or task.group(2)) if task else None
        if "running task" in what:
            current, started = task_id, stamp
        elif what == "Task started" and current:
            started = stamp
        elif "end task" in what and current:
            bounds[current] = (started, stamp)
            current = None
    result = {}
    for task_id, (t0, t1) in bounds.items():
        inside = [s for s in series if t0 <= s[0] <= t1]
        before = [s for s in series if s[0] <= t0] or series[:1]
        after = [s for s in series if s[0] >= t1] or series[-1:]
        cpu = (after[0][1] - before[-1][1]) if before and after else 0.0
        peak = max((s[2] for s in inside), default=before[-1][2] if before else 0.0)
        result[task_id] = measure.Sample(t1 - t0, cpu, peak)
    return result
