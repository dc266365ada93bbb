"""Helpers for the REST API end-to-end tests: start `sluice webserver` (or
`sluice standalone`) on a free port with a private SLUICE_HOME, and talk to it
with the standard library only."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import BIN

ADMIN_PASSWORD = "e2e-admin-password-1"
USER_PASSWORD = "e2e-user-password-22"
VIEWER_PASSWORD = "e2e-viewer-password-333"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_standalone():
    """Whether this binary has `sluice standalone` (scheduler + workers + server)."""
    # `sluice standalone --help` would print the top-level help and exit 0 even
    # without the subcommand, so look for it in the list of subcommands instead.
    result = subprocess.run([str(BIN), "--help"], capture_output=True, text=True)
    return any(line.split()[:1] == ["standalone"] for line in result.stdout.splitlines())


class Reply:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


class Server:
    """A sluice server process; `base` is its URL."""

    def __init__(self, env, home: Path, command=("webserver", "--parse-dags")):
        self.env = dict(env)
        self.home = home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = home / f"server-{self.port}.log"
        self.command = command
        self.process = None

    def users(self, *args, input=None):
        return subprocess.run([str(BIN), "users", *args], env=self.env, capture_output=True,
                              text=True, input=input, timeout=60)

    def create_users(self):
        for name, role, password in (("admin", "Admin", ADMIN_PASSWORD),
                                     ("user", "User", USER_PASSWORD),
                                     ("viewer", "Viewer", VIEWER_PASSWORD)):
            result = self.users("create", "--username", name, "--role", role, "--password-stdin",
                                input=password + "\n")
            assert result.returncode == 0, result.stderr

    def start(self, timeout=60):
        log = open(self.log_path, "w")
        args = [str(BIN), *self.command, "--port", str(self.port)]
        self.process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{' '.join(args)} exited {self.process.returncode}:\n"
                                     f"{self.log()}")
            try:
                if self.request("GET", "/health").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer within {timeout}s:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        all_headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Reply(response.status, response.read().decode(), response.headers)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), error.headers)

    def token(self, username="admin", password=ADMIN_PASSWORD):
        reply = self.request("POST", "/auth/token", {"username": username, "password": password})
        assert reply.status == 201, reply
        return reply.json["access_token"]


def server_env(home, dags, lake_dir, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_CONN_")}
    env.update({"SLUICE_HOME": str(home), "SLUICE_DAGS_FOLDER": str(dags),
                "SLUICE_CONN_LAKE": f"file://{lake_dir}"})
    env.update(extra or {})
    return env
