"""GET /metrics end to end: `sluice standalone` runs the flagship DAG, promtool
accepts the exposition, every metric the Grafana dashboard queries exists, the
alert rules load, a real Prometheus server scrapes the standalone and its
query API returns the run's task counts, and no planted password shows."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import BIN, FLAGSHIP, ROOT
from sluice_api import Server, free_port, has_standalone

TOOLS = ROOT / ".sluice-dev" / "tools" / "bin"
DASHBOARD = ROOT / "deploy" / "grafana" / "sluice.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
METRIC_NAME = re.compile(r"\b((?:sluice|process)_[a-zA-Z0-9_]+)")


def tool(name):
    """A tool that scripts/bootstrap installs: fail under CI, skip elsewhere."""
    path = shutil.which(name, path=f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is missing: scripts/bootstrap installs it into {TOOLS}")
    pytest.skip(f"{name} is missing (scripts/bootstrap installs it into {TOOLS})")


def sample_names(text):
    """Every series name in an exposition, and every family named by # TYPE."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def dashboard_metrics():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("expr"), str):
                exprs.append(node["expr"])
            query = node.get("query")
            if isinstance(query, dict) and isinstance(query.get("query"), str):
                exprs.append(query["query"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(dashboard)
    assert exprs, "the dashboard has no queries"
    return {name for expr in exprs for name in METRIC_NAME.findall(expr)}


def promtool_check_metrics(promtool, text):
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, f"promtool check metrics:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def planted(database):
    """A role owning the test database, whose password must never show in /metrics."""
    role = "sluice_e2e_" + uuid.uuid4().hex[:12]
    password = "metricspw-" + uuid.uuid4().hex
    database.psql_admin(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    database.psql_admin(f'ALTER DATABASE "{database.name}" OWNER TO "{role}"')
    parsed = urllib.parse.urlsplit(database.url)
    url = f"postgresql://{role}:{password}@{parsed.hostname}:{parsed.port or 5432}{parsed.path}"
    yield url, password
    database.drop()  # first: the role owns it
    database.psql_admin(f'DROP ROLE IF EXISTS "{role}"')


class Prometheus:
    """A Prometheus server scraping one target every second, storage in a temp dir."""

    def __init__(self, binary, target, folder):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        config = folder / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {ALERTS}\n"
            "scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
            f"      - targets: ['{target}']\n")
        self.log_path = folder / "prometheus.log"
        self.process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.loads(response.read().decode())

    def query(self, expr):
        reply = self.get("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert reply["status"] == "success", reply
        return reply["data"]["result"]

    def wait_for(self, expr, want, timeout=90):
        """Polls an instant query until its one value equals `want`."""
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                result = self.query(expr)
                got = float(result[0]["value"][1]) if result else None
                if got == want:
                    return got
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{expr} = {got}, want {want}\n{self.log_path.read_text()[-3000:]}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_flagship(server):
    token = server.token()
    run = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                         {"logical_date": None, "conf": {}}, token=token)
    assert run.status == 200, run
    quoted = urllib.parse.quote(run.json["dag_run_id"], safe="")
    deadline = time.monotonic() + 600
    state = run.json["state"]
    while state not in ("success", "failed"):
        assert time.monotonic() < deadline, f"run still {state}\n{server.log()}"
        time.sleep(1)
        state = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}",
                               token=token).json["state"]
    assert state == "success", server.log()
    tis = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}/taskInstances",
                         token=token).json["task_instances"]
    assert len(tis) >= 14 and all(ti["state"] == "success" for ti in tis), tis
    return token


def settled_counts(server, token):
    """Once no run of the flagship is queued or running (the scheduler may have
    created one from its schedule beside the manual one): successful runs and
    successful task instances, as the API counts them."""
    deadline = time.monotonic() + 600
    while True:
        runs = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns?limit=100",
                              token=token).json["dag_runs"]
        if all(run["state"] in ("success", "failed") for run in runs):
            break
        assert time.monotonic() < deadline, f"runs still active: {runs}\n{server.log()}"
        time.sleep(1)
    runs_success, tis_success = 0, 0
    for run in runs:
        runs_success += run["state"] == "success"
        quoted = urllib.parse.quote(run["dag_run_id"], safe="")
        tis = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}/taskInstances",
                             token=token).json["task_instances"]
        tis_success += sum(ti["state"] == "success" for ti in tis)
    return runs_success, tis_success


def test_alert_rules_pass_promtool():
    promtool = tool("promtool")
    result = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_standalone_metrics_scraped_by_prometheus(sluice, home, planted, tmp_path):
    if not has_standalone():
        pytest.xfail("`sluice standalone` does not exist in this build yet")
    promtool = tool("promtool")
    prometheus_bin = tool("prometheus")
    warehouse_url, password = planted
    env = dict(sluice.env, SLUICE_CONN_WAREHOUSE=warehouse_url)
    server = Server(env, home, command=("standalone",))
    server.create_users()
    server.start(timeout=120)
    prometheus = Prometheus(prometheus_bin, f"127.0.0.1:{server.port}", tmp_path / "prometheus")
    try:
        token = run_flagship(server)
        runs, tasks = settled_counts(server, token)
        assert runs >= 1 and tasks >= 14, (runs, tasks)
        reply = server.request("GET", "/metrics")  # no token: Prometheus sends none
        assert reply.status == 200, reply
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4"), reply.headers
        text = reply.body
        assert password not in text and password not in server.log()
        assert warehouse_url not in text
        promtool_check_metrics(promtool, text)

        missing = dashboard_metrics() - sample_names(text)
        assert not missing, f"the dashboard queries metrics /metrics lacks: {sorted(missing)}"

        assert f'sluice_task_instances{{state="success"}} {tasks}\n' in text
        finished = (f'sluice_task_instances_finished_total{{dag_id="{FLAGSHIP}",'
                    'state="success",task_id="')
        assert text.count(finished) >= 1
        assert f'sluice_task_duration_seconds_count{{dag_id="{FLAGSHIP}"' in text
        assert re.search(r"^sluice_task_records_out_total\{[^}]*\} [1-9]", text, re.M), text
        assert re.search(r"^sluice_source_http_requests_total\{[^}]*\} [1-9]", text, re.M), text
        assert re.search(r"^sluice_scheduler_loop_seconds_count [1-9]", text, re.M), text
        assert re.search(r"^process_resident_memory_bytes [1-9]", text, re.M), text

        prometheus.wait_for(f'sum(sluice_task_instances{{state="success"}})', tasks)
        prometheus.wait_for(
            f'sum(sluice_task_instances_finished_total{{dag_id="{FLAGSHIP}",state="success"}})',
            tasks)
        prometheus.wait_for('sum(sluice_dag_runs{state="success"})', runs)
        prometheus.wait_for('up{job="sluice"}', 1)
        rules = prometheus.get("/api/v1/rules")["data"]["groups"]
        assert rules and all(rule["health"] != "err" for g in rules for rule in g["rules"]), rules
    finally:
        prometheus.stop()
        server.stop()


def test_worker_serves_metrics_on_its_own_port(sluice, home):
    promtool = tool("promtool")
    port = free_port()
    log = open(home / "worker.log", "w")
    sluice.run("db", "migrate", check=False)
    worker = subprocess.Popen([str(BIN), "worker", "--metrics-port", str(port)], env=sluice.env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        text = None
        while text is None:
            assert worker.poll() is None, (home / "worker.log").read_text()
            assert time.monotonic() < deadline, (home / "worker.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    body = r.read().decode()
                if "sluice_worker_heartbeats_total" in body:
                    text = body
            except OSError:
                pass
            time.sleep(0.2)
        promtool_check_metrics(promtool, text)
        assert re.search(r'^sluice_worker_heartbeats_total\{result="ok",worker="[^"]+"\} [1-9]',
                         text, re.M), text
        assert "process_cpu_seconds_total" in text
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /api/v2/dags HTTP/1.0\r\n\r\n")
            assert b" 404 " in s.recv(100)  # /metrics only
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
