"""Several hosts' worth of processes on one PostgreSQL metadata store: two
schedulers, three workers and a backfill; SIGKILL a worker in the middle of
the flagship load and the backfill's own process in the middle of the
backfill. Every run finishes, no try runs beside another try of the same task
instance, and the warehouse holds every row once. Then a worker in a network
namespace loses its link to PostgreSQL and its try is taken over."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, FLAGSHIP, Database, required_env

TABLES = ("users", "posts", "comments", "albums", "photos", "todos")


def wait_for(predicate, timeout=240, what="condition", log=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{log()}")


class Fleet:
    """Daemons sharing one environment; each one's output in its own file."""

    def __init__(self, env, folder: Path):
        self.env = env
        self.folder = folder
        self.processes = {}

    def start(self, name, *args, extra_env=None, prefix=()):
        log = open(self.folder / f"{name}.log", "w")
        env = dict(self.env, **(extra_env or {}))
        self.processes[name] = subprocess.Popen([*prefix, str(BIN), *args], env=env, stdout=log,
                                                stderr=subprocess.STDOUT)
        return self.processes[name]

    def kill(self, name):
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait()

    def stop_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self):
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.folder.glob("*.log"))


@pytest.fixture
def metadb():
    db = Database(required_env("SLUICE_TEST_PG_URL", None if os.environ.get("CI") == "true"
                               else "postgresql://postgres@127.0.0.1:5432/postgres"))
    yield db
    db.drop()


def cli_json(env, *args):
    result = subprocess.run([str(BIN), "--output", "json", *args], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def try_windows(home: Path):
    """(task instance, try) -> (first, last) timestamp of its log."""
    windows = {}
    for log in home.glob("logs/**/attempt=*.log"):
        stamps = re.findall(r"^\[([^\]]+)\]", log.read_text(), re.M)
        if stamps:
            key = str(log.parent.relative_to(home / "logs"))
            windows[(key, int(log.stem.split("=")[1]))] = (stamps[0], stamps[-1])
    return windows


def fast_retry_dags(dags: Path):
    """The flagship with a short retry delay, so a killed try is retried in seconds."""
    text = (dags / f"{FLAGSHIP}.yaml").read_text()
    (dags / f"{FLAGSHIP}.yaml").write_text(text.replace("retry_delay: 5m", "retry_delay: 1s"))


class TableLock:
    """A lock on a warehouse table, held in an open transaction by a psql of its own: a load
    waits on it (and is seen running) until released, however fast the load would be."""

    def __init__(self, url, table):
        self.psql = subprocess.Popen(["psql", url, "-qAt", "-v", "ON_ERROR_STOP=1"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.psql.stdin.write(f"BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE; SELECT 'locked';\n")
        self.psql.stdin.flush()
        assert self.psql.stdout.readline().strip() == "locked", self.psql.stderr.read()

    def release(self):
        if self.psql.poll() is None:
            self.psql.communicate("COMMIT;\n", timeout=30)


def test_two_schedulers_three_workers_survive_sigkill(sluice, home, dags, database, metadb,
                                                     source_url, tmp_path):
    fast_retry_dags(dags)
    env = dict(sluice.env, SLUICE_METADB=metadb.url)
    fleet = Fleet(env, tmp_path)
    common = ["--poll-interval", "0.2"]
    # The tables first (in the home's own metadata), so a load can be held on one of them.
    created = subprocess.run([str(BIN), "tasks", "run", FLAGSHIP, "create_tables_task", "--date",
                              "2025-03-15"], env=sluice.env, capture_output=True, text=True,
                             timeout=120)
    assert created.returncode == 0, created.stderr
    lock = TableLock(database.url, "jsonplaceholder.users")
    try:
        for i in (1, 2):
            fleet.start(f"scheduler{i}", "scheduler", *common, "--heartbeat-timeout", "10")
        for i in (1, 2, 3):
            fleet.start(f"worker{i}", "worker", *common, "--slots", "2", "--heartbeat-interval", "1")
        backfill = fleet.start("backfill", "backfill", FLAGSHIP, "--start", "2025-03-15T00:00",
                               "--end", "2025-03-15T01:30", "--max-active-runs", "1")

        def load_running():
            for run in cli_json(env, "runs", "list", FLAGSHIP):
                for ti in run["task_instances"]:
                    if ti["task_id"] == "load_process_data_to_postgres" and ti["state"] == "running":
                        return ti
            return None
        ti = wait_for(load_running, what="a running load", log=fleet.logs)
        victim = next(name for name, p in fleet.processes.items() if p.pid == ti["pid"])
        fleet.kill(victim)  # a worker daemon, or the backfill's own worker
        lock.release()
        # The backfill's process is a scheduler with a worker of its own: kill
        # it once a run has finished; the daemons drive the rest.
        wait_for(lambda: any(r["state"] == "success" and r["run_type"] == "backfill"
                             for r in cli_json(env, "runs", "list", FLAGSHIP)),
                 what="a first finished run", log=fleet.logs)
        if backfill.poll() is None:
            fleet.kill("backfill")
        fleet.kill("scheduler1")

        def all_done():
            runs = [r for r in cli_json(env, "runs", "list", FLAGSHIP) if r["run_type"] == "backfill"]
            return runs if len(runs) == 4 and all(r["state"] in ("success", "failed") for r in runs) else None
        runs = wait_for(all_done, what="every backfill run", log=fleet.logs)
        assert [r["state"] for r in runs] == ["success"] * 4, (runs, fleet.logs())
        assert sorted(r["logical_date"][11:16] for r in runs) == ["00:00", "00:30", "01:00", "01:30"]
        # Resuming the interrupted backfill finds its runs done.
        resumed = subprocess.run([str(BIN), "backfill", FLAGSHIP, "--start", "2025-03-15T00:00",
                                  "--end", "2025-03-15T01:30"], env=env, capture_output=True,
                                 text=True, timeout=120)
        assert resumed.returncode == 0 and "4 runs, 0 failed" in resumed.stdout, resumed
    finally:
        lock.release()
        fleet.stop_all()

    # No try of a task instance overlapped another try of the same one.
    windows = try_windows(home)
    for (key, attempt), (first, _) in windows.items():
        if attempt > 1:
            assert windows[(key, attempt - 1)][1] <= first, (key, attempt, windows)
    # Every row once, none lost: the warehouse holds what the source serves.
    for table in TABLES:
        with urllib.request.urlopen(f"{source_url}/{table}") as response:
            served = len(json.load(response))
        count = int(database.scalar(f"SELECT count(*) FROM jsonplaceholder.{table}"))
        distinct = int(database.scalar(f"SELECT count(DISTINCT id) FROM jsonplaceholder.{table}"))
        assert count == distinct == served, (table, count, distinct, served)


NETNS = "sluice-e2e-ns"
HOST_IP, NS_IP = "10.213.7.1", "10.213.7.2"


def netns_available():
    if os.geteuid() != 0 or not shutil.which("ip"):
        return "needs root and iproute2"
    probe = subprocess.run(["ip", "netns", "add", NETNS + "-probe"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"this machine forbids network namespaces: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", NETNS + "-probe"], capture_output=True)
    veth = subprocess.run(["ip", "link", "add", "sluice-probe0", "type", "veth", "peer", "name",
                           "sluice-probe1"], capture_output=True, text=True)
    if veth.returncode != 0:
        return f"this machine forbids veth pairs: {veth.stderr.strip()}"
    subprocess.run(["ip", "link", "del", "sluice-probe0"], capture_output=True)
    return None


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, text=True)


REMOTE_DAG = """dag_id: remote
tasks:
  far_away:
    kind: command
    command: [sh, -c, "echo started; sleep 20; echo finished"]
    queue: remote
    retries: 1
    retry_delay: 1s
"""


def test_a_worker_cut_off_from_postgres_is_declared_lost_and_its_try_retried(
        sluice, home, dags, metadb, tmp_path):
    reason = netns_available()
    if reason:
        pytest.skip(reason)
    for other in dags.iterdir():
        other.unlink()
    (dags / "remote.yaml").write_text(REMOTE_DAG)
    pg = subprocess.run(["bash", str(Path(__file__).parents[2] / "scripts/postgres"), "postgres"],
                        capture_output=True, text=True)
    assert pg.returncode == 0, pg.stderr
    port = int(re.search(r":(\d+)/", pg.stdout.strip().splitlines()[-1]).group(1))
    password = (Path(__file__).parents[2] / ".sluice-dev/postgres.password").read_text().strip()
    subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
    subprocess.run(["ip", "link", "del", "sluice-veth0"], capture_output=True)
    # The namespace reaches PostgreSQL only through a veth pair and a relay on
    # the host side of it, so cutting the link cuts the worker off.
    sh("ip", "netns", "add", NETNS)
    sh("ip", "link", "add", "sluice-veth0", "type", "veth", "peer", "name", "sluice-veth1")
    sh("ip", "link", "set", "sluice-veth1", "netns", NETNS)
    sh("ip", "addr", "add", f"{HOST_IP}/30", "dev", "sluice-veth0")
    sh("ip", "link", "set", "sluice-veth0", "up")
    sh("ip", "netns", "exec", NETNS, "ip", "addr", "add", f"{NS_IP}/30", "dev", "sluice-veth1")
    sh("ip", "netns", "exec", NETNS, "ip", "link", "set", "sluice-veth1", "up")
    sh("ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up")
    relay = subprocess.Popen(["python3", "-c", RELAY, HOST_IP, str(port)])

    def relay_listens():
        try:
            socket.create_connection((HOST_IP, port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(relay_listens, timeout=20, what="the relay to PostgreSQL")
    env = dict(sluice.env, SLUICE_METADB=metadb.url)
    remote_url = metadb.url.replace("postgres@127.0.0.1:", f"postgres:{password}@{HOST_IP}:")
    remote_url = re.sub(rf"@{HOST_IP}:\d+/", f"@{HOST_IP}:{port}/", remote_url)
    fleet = Fleet(env, tmp_path)
    try:
        fleet.start("scheduler", "scheduler", "--poll-interval", "0.2", "--heartbeat-timeout", "4")
        fleet.start("far_worker", "worker", "--poll-interval", "0.2", "--queues", "remote",
                    "--heartbeat-interval", "0.5",
                    prefix=("ip", "netns", "exec", NETNS), extra_env={"SLUICE_METADB": remote_url})
        run_id = cli_json(env, "dags", "trigger", "remote")["run_id"]

        def far_try():
            ti = cli_json(env, "runs", "list", "remote")[0]["task_instances"][0]
            return ti if ti["state"] == "running" else None
        first = wait_for(far_try, timeout=60, what="the far worker's try", log=fleet.logs)
        sh("ip", "link", "set", "sluice-veth0", "down")
        fleet.start("near_worker", "worker", "--poll-interval", "0.2", "--queues", "remote",
                    "--heartbeat-interval", "0.5")

        def retried():
            run = cli_json(env, "runs", "list", "remote")[0]
            ti = run["task_instances"][0]
            return ti if ti["try_number"] == 2 and ti["state"] == "running" else None
        second = wait_for(retried, timeout=60, what="the try taken over", log=fleet.logs)
        assert second["worker_id"] != first["worker_id"]
        sh("ip", "link", "set", "sluice-veth0", "up")  # the lost worker comes back
        run = wait_for(lambda: (lambda r: r if r["state"] in ("success", "failed") else None)(
            cli_json(env, "runs", "list", "remote")[0]), timeout=60, what="the run", log=fleet.logs)
        assert run["state"] == "success", fleet.logs()
        ti = run["task_instances"][0]
        assert ti["try_number"] == 2 and ti["worker_id"] == second["worker_id"]
        time.sleep(3)  # whatever the far worker writes now is refused
        ti_after = cli_json(env, "runs", "list", "remote")[0]["task_instances"][0]
        assert (ti_after["state"], ti_after["try_number"]) == ("success", 2)
        assert run["run_id"] == run_id
    finally:
        fleet.stop_all()
        relay.kill()
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
        subprocess.run(["ip", "link", "del", "sluice-veth0"], capture_output=True)


# A TCP relay from HOST_IP:port to 127.0.0.1:port (PostgreSQL listens on loopback only).
RELAY = r"""
import socket, sys, threading
host, port = sys.argv[1], int(sys.argv[2])
server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, port)); server.listen(64)
def pipe(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", port))
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
"""


SHIPPED_DAG = """dag_id: shipped_logs
tasks:
  speak:
    kind: command
    command: [sh, -c, "echo said on the far host; echo and on its stderr >&2"]
"""


def test_a_remote_workers_logs_are_read_from_the_metadata_store(sluice, home, dags, metadb,
                                                                 tmp_path):
    """A worker with a disk of its own (its own SLUICE_HOME): the CLI and the web
    server, on the scheduler's host, read the try's log from PostgreSQL."""
    from sluice_api import Server

    (dags / "shipped_logs.yaml").write_text(SHIPPED_DAG)
    env = dict(sluice.env, SLUICE_METADB=metadb.url)
    far_home = tmp_path / "far-host"
    far_home.mkdir()
    fleet = Fleet(env, tmp_path)
    server = Server(env, home, command=("webserver",))
    try:
        fleet.start("scheduler", "scheduler", "--poll-interval", "0.2")
        fleet.start("worker", "worker", "--poll-interval", "0.2",
                    extra_env={"SLUICE_HOME": str(far_home)})
        run_id = cli_json(env, "dags", "trigger", "shipped_logs")["run_id"]
        wait_for(lambda: next(r for r in cli_json(env, "runs", "list", "shipped_logs")
                              if r["run_id"] == run_id)["state"] == "success",
                 what="the run", log=fleet.logs)
        assert list(far_home.glob("logs/**/attempt=1.log")), "the worker writes to its own disk"
        assert not list(home.glob("logs/**/attempt=1.log")), "this host has no copy"

        def read_logs():
            return subprocess.run([str(BIN), "tasks", "logs", "shipped_logs", run_id, "speak"],
                                  env=env, capture_output=True, text=True, timeout=60)
        logs = read_logs()
        assert logs.returncode == 0, logs.stderr
        assert "said on the far host" in logs.stdout and "and on its stderr" in logs.stdout
        # The line after the recorded outcome follows within a moment.
        wait_for(lambda: "task succeeded" in read_logs().stdout, timeout=30,
                 what="the log's last line", log=lambda: read_logs().stdout)

        server.create_users()
        server.start()
        reply = server.request(
            "GET", f"/api/v2/dags/shipped_logs/dagRuns/{run_id}/taskInstances/speak/logs/1",
            token=server.token())
        assert reply.status == 200, reply
        events = [line["event"] for line in reply.json["content"]]
        assert "said on the far host" in events, events
    finally:
        server.stop()
        fleet.stop_all()
