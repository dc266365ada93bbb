"""Bad input and unreachable services: one clear line on stderr, a non-zero
exit, nothing half-written, never a crash."""
import http.server
import json
import re
import threading
from pathlib import Path

import pytest

from conftest import FLAGSHIP

FLAGSHIP_FILE = f"{FLAGSHIP}.yaml"


def assert_one_line_error(result, *needles):
    assert result.returncode not in (0, -6, -11, 134, 139), result  # failed, but did not crash
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert re.search(needle, lines[0]), (needle, lines[0])
    return lines[0]


INVALID_PIPELINES = {
    "bad_yaml": ("dag_id: x\ntasks: [unclosed\n", r"bad\.yaml:\d+:\d+"),
    "unknown_key": ("dag_id: x\nfrobnicate: 1\ntasks:\n  a: {kind: noop}\n", r":2:1: .*frobnicate"),
    "unknown_kind": ("dag_id: x\ntasks:\n  a: {kind: teleport}\n", r":3:\d+: .*teleport"),
    "missing_dependency": ("dag_id: x\ntasks:\n  a: {kind: noop, upstream: [ghost]}\n", r":3:\d+: .*ghost"),
    "cycle": ("dag_id: x\ntasks:\n  a: {kind: noop, upstream: [b]}\n  b: {kind: noop, upstream: [a]}\n",
              r"cycle"),
    "duplicate_task": ("dag_id: x\ntasks:\n  a: {kind: noop}\n  a: {kind: noop}\n", r":4:\d+: .*a"),
    "unknown_column_type": (
        "dag_id: x\nsource: {connection: s, resources: {r: {path: /r}}}\n"
        "tables:\n  t:\n    resource: r\n    primary_key: [id]\n    columns: {id: bigint, v: currency}\n"
        "tasks:\n  a: {kind: transform}\n", r":7:\d+: .*currency"),
}


@pytest.mark.parametrize("case", sorted(INVALID_PIPELINES))
def test_invalid_pipeline_file_is_rejected_before_anything_runs(sluice, dags, case):
    text, pattern = INVALID_PIPELINES[case]
    for existing in dags.iterdir():
        existing.unlink()
    (dags / "bad.yaml").write_text(text)
    result = sluice.run("run", "x", "--date", "2025-03-15", check=False)
    assert_one_line_error(result, pattern)
    assert not (Path(sluice.env["SLUICE_CONN_LAKE"].removeprefix("file://")) / "raw").exists()


def test_unknown_dag_is_a_clear_error(sluice):
    result = sluice.run("run", "no_such_dag", check=False)
    assert_one_line_error(result, "no_such_dag")


def test_unreachable_source_fails_the_extract(sluice):
    result = sluice.run("run", FLAGSHIP, "--date", "2025-03-15", check=False,
                        extra_env={"SLUICE_CONN_JSONPLACEHOLDER": "http://127.0.0.1:9"})
    assert_one_line_error(result, "raw_data_collection_task", "127.0.0.1:9")


def test_unreachable_warehouse_fails_without_leaking_the_password(sluice):
    url = "postgresql://postgres:hunter2secret@127.0.0.1:9/mydb"
    result = sluice.run("run", FLAGSHIP, "--date", "2025-03-15", check=False,
                        extra_env={"SLUICE_CONN_WAREHOUSE": url})
    line = assert_one_line_error(result, "127.0.0.1")
    assert "hunter2secret" not in result.stderr + result.stdout
    assert "hunter2secret" not in line


class TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with a body shorter than its Content-Length, or malformed JSON."""

    mode = "truncate"

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        body = b'[{"id": 1, "name": "a"}, {"id": 2, "na'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.mode == "truncate":
            self.send_header("Content-Length", str(len(body) + 100))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(2)
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("mode", ["truncate", "malformed"])
def test_bad_response_body_fails_and_is_kept_for_inspection(sluice, database, mode):
    handler = type("Handler", (TruncatingHandler,), {"mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = sluice.run("run", FLAGSHIP, "--date", "2025-03-15", check=False,
                            extra_env={"SLUICE_CONN_JSONPLACEHOLDER":
                                       f"http://127.0.0.1:{server.server_address[1]}"})
    finally:
        server.shutdown()
    assert_one_line_error(result, "raw_data_collection_task")
    lake = Path(sluice.env["SLUICE_CONN_LAKE"].removeprefix("file://"))
    assert list(lake.glob("raw/jsonplaceholder/*/ds=2025-03-15/run=*/*.failed"))
    assert not list(lake.glob("raw/jsonplaceholder/*/ds=2025-03-15/run=*/_manifest.json"))
    assert not list(lake.glob("clean/jsonplaceholder/*/ds=2025-03-15/schema.json"))
    assert database.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'jsonplaceholder'") == "0"


def test_a_broken_raw_part_fails_processing_naming_its_table(sluice):
    sluice.run("tasks", "run", FLAGSHIP, "raw_data_collection_task", "--date", "2025-03-19")
    lake = Path(sluice.env["SLUICE_CONN_LAKE"].removeprefix("file://"))
    [users_part] = lake.glob("raw/jsonplaceholder/users/ds=2025-03-19/run=*/part-00000.json")
    users_part.write_text('[{"id": 1, "name": "a"}, {"id": 2, "na')
    result = sluice.run("tasks", "run", FLAGSHIP, "raw_data_processing_task", "--date",
                        "2025-03-19", check=False)
    assert_one_line_error(result, "table users", "part-00000.json")
    # The tables transformed beside it are whole; users has no clean partition.
    assert not (lake / "clean/jsonplaceholder/users/ds=2025-03-19/schema.json").exists()
    for schema in lake.glob("clean/jsonplaceholder/*/ds=2025-03-19/schema.json"):
        table = json.loads(schema.read_text())
        assert table["rows"] == table["records_in"] - table["duplicates"] - table["quarantined"]
