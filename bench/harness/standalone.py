"""`sluice standalone` (scheduler, workers and the Airflow-compatible REST API in
one process), driven the way Airflow's is: POST /auth/token, POST
/api/v2/dags/{id}/dagRuns with a null logical date, poll the run to done."""
import os
import secrets
import signal
import subprocess
import time
import urllib.parse

import measure
from rest import RestClient
from services import free_port


def poll_interval(waited):
    """A tenth of the time waited, within 0.2 to 5 ms: the poll adds at most about a
    tenth to what it measures, and a run of seconds is not slowed by a GET every millisecond."""
    return min(max(waited / 10, 0.0002), 0.005)


class Standalone:
    def __init__(self, sluice, env, logs):
        self.sluice, self.env = sluice, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(logs, "standalone.log")
        self.password = secrets.token_urlsafe(16)
        self.process = None
        self.api = RestClient(self.base)

    @property
    def pid(self):
        return self.process.pid

    def start(self, timeout=60):
        os.makedirs(self.env["SLUICE_HOME"], exist_ok=True)
        result = subprocess.run([self.sluice, "users", "create", "--username", "bench", "--role",
                                 "Admin", "--password-stdin"], env=self.env,
                                input=self.password + "\n", capture_output=True, text=True)
        if result.returncode != 0 and "exists" not in result.stderr:
            raise RuntimeError(f"sluice users create: {result.stderr.strip()}")
        if result.returncode != 0:
            subprocess.run([self.sluice, "users", "reset-password", "--username", "bench",
                            "--password-stdin"], env=self.env, input=self.password + "\n",
                           capture_output=True, text=True, check=True)
        self.process = subprocess.Popen([self.sluice, "standalone", "--port", str(self.port)],
                                        env=self.env, stdout=open(self.log_path, "wb"),
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sluice standalone exited {self.process.returncode}: "
                                   f"{self.log_path}")
            try:
                if self.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        status, body = self.request("POST", "/auth/token",
                                    {"username": "bench", "password": self.password})
        if status not in (200, 201):
            raise RuntimeError(f"POST {self.base}/auth/token: HTTP {status}: {body}")
        self.api.token = body["access_token"]

    def trigger_and_wait(self, dag_id, timeout=300):
        with measure.TreeWatch([self.pid], interval=0.01) as watch:
            started = time.monotonic()
            status, run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns",
                                       {"logical_date": None, "conf": {}})
            if status != 200:
                raise RuntimeError(f"trigger {dag_id}: HTTP {status}: {run}")
            run_id = urllib.parse.quote(run["dag_run_id"], safe="")
            state, deadline = run.get("state"), started + timeout
            while state not in ("success", "failed"):
                now = time.monotonic()
                if now > deadline:
                    raise RuntimeError(f"{dag_id} run still {state} after {timeout}s")
                time.sleep(poll_interval(now - started))
                body = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")[1]
                state = body.get("state") if isinstance(body, dict) else None
        sample = watch.sample(ok=state == "success")
        if not sample.ok:
            sample.note = f"{dag_id} run {state} ({self.log_path})"
        return sample

    def stop(self):
        self.api.close()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def request(self, method, path, body=None):
        return self.api.request(method, path, body)
