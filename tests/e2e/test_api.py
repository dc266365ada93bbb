"""The REST API end to end: `sluice webserver` over a fresh SLUICE_HOME,
users made with `sluice users`, and Airflow's status codes and error shapes."""
import json

import pytest

from conftest import FLAGSHIP
from sluice_api import (ADMIN_PASSWORD, USER_PASSWORD, VIEWER_PASSWORD, Server, server_env)

WAREHOUSE_PASSWORD = "WarehouseSecret-9271"


@pytest.fixture
def server(home, dags, tmp_path):
    env = server_env(home, dags, tmp_path / "lake", {
        # Never reached: the password must still never appear in any answer or log.
        "SLUICE_CONN_WAREHOUSE": f"postgresql://loader:{WAREHOUSE_PASSWORD}@127.0.0.1:1/dw",
    })
    srv = Server(env, home)
    srv.create_users()
    srv.start()
    yield srv
    assert srv.stop() == 0, srv.log()


def runs_of(server, token):
    reply = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns", token=token)
    assert reply.status == 200, reply
    return reply.json["total_entries"]


def test_token_flow_and_reading_dags(server):
    reply = server.request("POST", "/auth/token", {"username": "admin", "password": ADMIN_PASSWORD})
    assert reply.status == 201
    token = reply.json["access_token"]
    assert token.count(".") == 2
    dags = server.request("GET", "/api/v2/dags", token=token)
    assert dags.status == 200, dags
    assert [d["dag_id"] for d in dags.json["dags"]] == [FLAGSHIP]
    assert dags.json["total_entries"] == 1
    assert server.request("POST", "/auth/token",
                          {"username": "admin", "password": "wrong-password"}).json == \
        {"detail": "Invalid credentials"}
    assert server.request("POST", "/auth/token", {"username": "admin"}).status == 422


def test_trigger_and_read_a_run(server):
    token = server.token("user", USER_PASSWORD)
    reply = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                           {"logical_date": None, "conf": {"source": "e2e"}}, token=token)
    assert reply.status == 200, reply
    run = reply.json
    assert run["state"] == "queued" and run["run_type"] == "manual"
    assert run["conf"] == {"source": "e2e"}
    run_id = run["dag_run_id"]
    quoted = run_id.replace(":", "%3A").replace("+", "%2B")
    got = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}", token=token)
    assert got.status == 200, got
    assert got.json["dag_run_id"] == run_id
    tis = server.request("GET", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}/taskInstances",
                         token=token)
    assert tis.status == 200, tis
    assert {ti["task_id"] for ti in tis.json["task_instances"]} == {
        "raw_data_collection_task", "raw_data_processing_task", "create_tables_task",
        "load_process_data_to_postgres"} or tis.json["total_entries"] > 4  # mapped tasks expand
    duplicate = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                               {"logical_date": None, "dag_run_id": run_id}, token=token)
    assert duplicate.status == 409 and isinstance(duplicate.json["detail"], str)


def test_error_shapes(server):
    admin = server.token()
    assert server.request("GET", "/api/v2/dags").json == {"detail": "Not authenticated"}
    assert server.request("GET", "/api/v2/dags").status == 401
    assert server.request("GET", "/api/v2/dags", token="not-a-token").status == 403
    missing = server.request("GET", "/api/v2/dags/no_such_dag", token=admin)
    assert missing.status == 404 and isinstance(missing.json["detail"], str)
    malformed = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns", raw=b'{"logical_date":',
                               token=admin)
    assert malformed.status == 422 and isinstance(malformed.json["detail"], list)
    no_date = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns", {"conf": {}}, token=admin)
    assert no_date.status == 422
    assert no_date.json["detail"][0]["loc"] == ["body", "logical_date"]
    assert runs_of(server, admin) == 0


def test_viewer_cannot_trigger_pause_or_clear(server):
    viewer = server.token("viewer", VIEWER_PASSWORD)
    assert server.request("GET", f"/api/v2/dags/{FLAGSHIP}", token=viewer).status == 200
    for method, path, body in (
            ("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns", {"logical_date": None}),
            ("PATCH", f"/api/v2/dags/{FLAGSHIP}", {"is_paused": True}),
            ("POST", f"/api/v2/dags/{FLAGSHIP}/clearTaskInstances", {"dry_run": False})):
        reply = server.request(method, path, body, token=viewer)
        assert reply.status == 403 and reply.json == {"detail": "Forbidden"}, (method, path, reply)
    admin = server.token()
    assert server.request("GET", f"/api/v2/dags/{FLAGSHIP}", token=admin).json["is_paused"] is False
    assert runs_of(server, admin) == 0


def test_anonymous_learns_nothing(server):
    for path in ("/api/v2/dags", f"/api/v2/dags/{FLAGSHIP}", "/api/v2/dags/~/dagRuns",
                 "/api/v2/importErrors", "/api/v2/sluice/lake/buckets",
                 f"/api/v2/sluice/dags/{FLAGSHIP}/graph"):
        reply = server.request("GET", path)
        assert reply.status == 401, (path, reply)
        assert FLAGSHIP not in reply.body
    health = server.request("GET", "/health")
    assert health.status == 200 and FLAGSHIP not in health.body


def test_hostile_input_is_refused_and_changes_nothing(server):
    admin = server.token()
    for key in ("raw/../../../etc/passwd", "/etc/passwd", "raw/%2e%2e/x", "raw//x", "..",
                "raw/a%00b"):
        for endpoint in ("object", "preview", "download"):
            reply = server.request("GET", f"/api/v2/sluice/lake/{endpoint}?key={key}", token=admin)
            assert reply.status == 400, (endpoint, key, reply)
            assert "root:" not in reply.body
    big = {"logical_date": None, "conf": {"blob": "x" * (2 << 20)}}
    assert server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns", big, token=admin).status == 413
    unknown = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                             {"logical_date": None, "owner": "mallory"}, token=admin)
    assert unknown.status == 422 and unknown.json["detail"][0]["type"] == "extra_forbidden"
    deep = b"[" * 5000 + b"]" * 5000
    assert server.request("PATCH", f"/api/v2/dags/{FLAGSHIP}", raw=deep, token=admin).status == 422
    assert server.request("PATCH", f"/api/v2/dags/{FLAGSHIP}", {"is_paused": "yes"},
                          token=admin).status == 422
    assert runs_of(server, admin) == 0
    assert server.request("GET", f"/api/v2/dags/{FLAGSHIP}", token=admin).json["is_paused"] is False


def login(server, username, password):
    reply = server.request("POST", "/api/v2/sluice/login",
                           {"username": username, "password": password})
    return reply


def test_session_cookie_flags_and_csrf(server):
    reply = login(server, "user", USER_PASSWORD)
    assert reply.status == 200, reply
    set_cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/" in set_cookie
    cookie = set_cookie.split(";")[0]
    csrf = reply.json["csrf_token"]
    path = f"/api/v2/dags/{FLAGSHIP}"
    assert server.request("PATCH", path, {"is_paused": True},
                          headers={"Cookie": cookie}).status == 403
    assert server.request("PATCH", path, {"is_paused": True},
                          headers={"Cookie": cookie, "X-CSRF-Token": "forged"}).status == 403
    assert server.request("GET", path, headers={"Cookie": cookie}).json["is_paused"] is False
    ok = server.request("PATCH", path, {"is_paused": True},
                        headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    assert ok.status == 200 and ok.json["is_paused"] is True


def test_login_rate_limit(server):
    for _ in range(5):
        assert login(server, "viewer", "wrong-password").status == 401
    limited = login(server, "viewer", VIEWER_PASSWORD)
    assert limited.status == 429
    assert "Set-Cookie" not in limited.headers


def test_no_secret_in_any_response_page_or_log(server):
    admin = server.token()
    run = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns", {"logical_date": None},
                         token=admin).json["dag_run_id"]
    quoted = run.replace(":", "%3A").replace("+", "%2B")
    bodies = []
    for path in ("/", "/dags", "/health", "/api/v2/monitor/health", "/api/v2/version",
                 "/api/v2/openapi.json", "/api/v2/dags", f"/api/v2/dags/{FLAGSHIP}",
                 f"/api/v2/dags/{FLAGSHIP}/dagRuns", f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}",
                 f"/api/v2/dags/{FLAGSHIP}/dagRuns/{quoted}/taskInstances",
                 f"/api/v2/sluice/dags/{FLAGSHIP}/dagRuns/{quoted}/lineage",
                 "/api/v2/sluice/lake/buckets", "/api/v2/sluice/session", "/api/v2/importErrors"):
        reply = server.request("GET", path, token=admin)
        assert reply.status == 200, (path, reply)
        bodies.append(reply.body)
    server.stop()
    everything = "\n".join(bodies) + server.log()
    for secret in (WAREHOUSE_PASSWORD, ADMIN_PASSWORD, USER_PASSWORD, VIEWER_PASSWORD, admin,
                   (server.home / "secret_key").read_text().strip()):
        assert secret not in everything
    assert oct((server.home / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_users_cli(server):
    listed = server.users("list")
    assert listed.returncode == 0 and "viewer" in listed.stdout and "Viewer" in listed.stdout
    assert VIEWER_PASSWORD not in listed.stdout
    assert server.users("create", "--username", "x", "--role", "Root",
                        "--password", "long-enough-pw").returncode != 0
    assert server.users("create", "--username", "x", "--role", "Viewer",
                        "--password", "short").returncode != 0
    reset = server.users("reset-password", "--username", "viewer", "--password-stdin",
                         input="another-password-1\n")
    assert reset.returncode == 0, reset.stderr
    assert login(server, "viewer", "another-password-1").status == 200
    assert server.users("delete", "--username", "viewer").returncode == 0
    assert server.users("delete", "--username", "viewer").returncode != 0


def test_health_reaches_the_lake_and_the_warehouse(server, sluice, home):
    health = server.request("GET", "/health")
    assert health.status == 200, health
    assert health.json["lake"]["status"] == "healthy"
    assert health.json["warehouse"]["status"] == "unhealthy"  # port 1: nothing listens
    assert "warehouse" in server.log() and WAREHOUSE_PASSWORD not in server.log()
    reachable = Server(sluice.env, home)  # the test PostgreSQL
    reachable.start()
    try:
        health = reachable.request("GET", "/health")
        assert health.json["lake"]["status"] == "healthy", reachable.log()
        assert health.json["warehouse"]["status"] == "healthy", reachable.log()
    finally:
        assert reachable.stop() == 0, reachable.log()
