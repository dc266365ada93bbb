"""Secrets from files and commands: used for real connections, picked up again
after rotation, and never shown: every output channel (stdout, stderr, task
logs, everything under SLUICE_HOME, the lake's manifests and reports) is
searched for the planted values."""
import json
import os
import stat
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import FLAGSHIP, Sluice, required_env

ECHO_DAG = "secret_echo"
ROTATION_DAG = "secret_rotation"


class Secrets:
    """A PostgreSQL role with a planted password that owns the test database,
    a source URL with a planted basic-auth password, and the files and command
    that hand them to sluice."""

    def __init__(self, database, source_url, home, tmp_path):
        self.database = database
        self.role = "sluice_e2e_" + uuid.uuid4().hex[:12]
        self.db_password = "dbpw-" + uuid.uuid4().hex
        self.source_password = "srcpw-" + uuid.uuid4().hex
        self.rotated_password = "rotpw-" + uuid.uuid4().hex
        self.planted = [self.db_password, self.source_password, self.rotated_password]
        database.psql_admin(f"CREATE ROLE \"{self.role}\" LOGIN PASSWORD '{self.db_password}'")
        database.psql_admin(f'ALTER DATABASE "{database.name}" OWNER TO "{self.role}"')
        parts = urlsplit(database.url)
        self.db_hostport = parts.netloc.rpartition("@")[2]
        self.db_name = parts.path.lstrip("/")
        source = urlsplit(source_url)
        self.source_url = f"{source.scheme}://reader:{self.source_password}@{source.netloc}"
        self.home = home
        self.secrets_dir = tmp_path / "secrets"
        self.secrets_dir.mkdir()
        self.warehouse_file = self.secrets_dir / "warehouse_url"
        self.source_file = self.secrets_dir / "source_url"
        self.write_warehouse_url(self.db_password)
        self.source_file.write_text(self.source_url + "\n")
        self.command = self.secrets_dir / "secret-command.sh"
        self.command.write_text(
            "#!/bin/sh\n"
            "# Prints a connection URL, as a secrets manager's CLI would.\n"
            "case \"$1\" in\n"
            f"  warehouse) cat '{self.warehouse_file}' ;;\n"
            f"  jsonplaceholder) echo '{self.source_url}' ;;\n"
            "  *) echo \"no secret for $1\" >&2; exit 4 ;;\n"
            "esac\n")
        self.command.chmod(self.command.stat().st_mode | stat.S_IXUSR)

    def warehouse_url(self, password, user=None):
        return f"postgresql://{user or self.role}:{password}@{self.db_hostport}/{self.db_name}"

    def write_warehouse_url(self, password, user=None):
        # Written whole, then renamed, as Kubernetes updates a mounted secret.
        staging = self.warehouse_file.with_suffix(".tmp")
        staging.write_text(self.warehouse_url(password, user) + "\n")
        staging.replace(self.warehouse_file)

    def configure(self, command_serves, cache_seconds=300):
        (self.home / "sluice.yaml").write_text(
            "secrets:\n"
            f"  command: [\"{self.command}\", \"{{conn_id}}\"]\n"
            f"  connections: [{', '.join(command_serves)}]\n"
            "  timeout_seconds: 5\n"
            f"  cache_seconds: {cache_seconds}\n")

    def drop(self):
        self.database.drop()
        self.database.psql_admin(f'DROP ROLE IF EXISTS "{self.role}"')


@pytest.fixture
def secrets(database, source_url, home, tmp_path):
    planted = Secrets(database, source_url, home, tmp_path)
    yield planted
    planted.drop()


def with_connections(sluice, **connections):
    """The fixture's sluice with the given SLUICE_CONN_* instead of its
    warehouse and source variables."""
    env = {k: v for k, v in sluice.env.items()
           if k not in ("SLUICE_CONN_WAREHOUSE", "SLUICE_CONN_JSONPLACEHOLDER")}
    env.update(connections)
    return Sluice(sluice.home, env)


class Outputs:
    """Every run's stdout and stderr, kept for the final search."""

    def __init__(self, sluice):
        self.sluice = sluice
        self.texts = []

    def run(self, *args, check=True):
        result = self.sluice.run(*args, check=False)
        self.texts.append((f"sluice {' '.join(args)}", result.stdout + "\n" + result.stderr))
        if check and result.returncode != 0:
            raise AssertionError(f"sluice {' '.join(args)} exited {result.returncode}\n"
                                 f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result


def assert_never_shown(secrets, outputs, *folders):
    for name, text in outputs.texts:
        for planted in secrets.planted:
            assert planted not in text, f"{name} shows a planted secret:\n{text}"
    searched = 0
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if not path.is_file() or secrets.secrets_dir in path.parents:
                continue
            data = path.read_bytes()
            searched += 1
            for planted in secrets.planted:
                assert planted.encode() not in data, f"{path} holds a planted secret"
    return searched


def write_echo_dag(dags, secrets, connect_first):
    """A command task that prints the bare warehouse password, as a careless
    script would; its log must show ***. Values from files are masked from the
    start; a value from a secrets command once the process has looked it up,
    so connect_first makes a task use the warehouse before."""
    extract = "sed -E 's#^[^:]*://[^:]*:([^@]*)@.*#\\\\1#'"  # \\1 in YAML, \1 for sed
    lines = [f"dag_id: {ECHO_DAG}", "tasks:"]
    if connect_first:
        lines.append("  check_warehouse: {kind: sql, sql: \"SELECT 1\"}")
    lines += ["  echo_secret:",
              "    kind: command",
              f"    upstream: [{'check_warehouse' if connect_first else ''}]",
              f"    command: [sh, -c, \"{secrets.command} warehouse | {extract}\"]"]
    (dags / f"{ECHO_DAG}.yaml").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("layout", ["warehouse_file_source_command", "warehouse_command_source_file"])
def test_planted_secrets_are_used_and_never_shown(sluice, secrets, dags, database, tmp_path, layout):
    if layout == "warehouse_file_source_command":
        secrets.configure(command_serves=["jsonplaceholder"])
        sluice = with_connections(sluice, SLUICE_CONN_WAREHOUSE_FILE=str(secrets.warehouse_file))
        want = {"warehouse": "file", "jsonplaceholder": "command"}
    else:
        secrets.configure(command_serves=["warehouse"])
        sluice = with_connections(sluice, SLUICE_CONN_JSONPLACEHOLDER_FILE=str(secrets.source_file))
        want = {"warehouse": "command", "jsonplaceholder": "file"}
    write_echo_dag(dags, secrets, connect_first=want["warehouse"] == "command")
    outputs = Outputs(sluice)

    outputs.run("run", FLAGSHIP, "--date", "2025-03-15", "--logs")
    assert database.scalar("SELECT count(*) FROM jsonplaceholder.users") == "10"
    owner = database.scalar(
        "SELECT tableowner FROM pg_tables WHERE schemaname = 'jsonplaceholder' AND tablename = 'users'")
    assert owner == secrets.role  # loaded with the planted credentials

    echo = outputs.run("run", ECHO_DAG, "--date", "2025-03-15", "--logs")
    # The command task printed the bare password; its log line shows *** alone.
    assert "| ***" in [line.strip() for line in echo.stdout.splitlines()], echo.stdout

    listed = outputs.run("connections", "list")
    for connection, source in want.items():
        line = next(l for l in listed.stdout.splitlines() if l.startswith(connection + " "))
        assert f" {source} " in line, line
        assert ":***@" in line, line
    listed_json = json.loads(outputs.run("--output", "json", "connections", "list").stdout)
    by_id = {c["id"]: c for c in listed_json["connections"]}
    assert {c: by_id[c]["source"] for c in want} == want
    assert by_id["lake"]["source"] == "env"

    got = outputs.run("connections", "get", "warehouse")
    assert f"postgresql://{secrets.role}:***@" in got.stdout
    got_json = json.loads(outputs.run("-o", "json", "connections", "get", "jsonplaceholder").stdout)
    assert got_json["url"].startswith("http://reader:***@")

    tested = outputs.run("connections", "test")
    assert all(" ok " in l for l in tested.stdout.splitlines() if l.strip()), tested.stdout
    tested_json = json.loads(outputs.run("-o", "json", "connections", "test", "warehouse").stdout)
    assert tested_json["connections"][0]["ok"] is True

    # A wrong password: the test fails, and says so without showing either password.
    secrets.write_warehouse_url(secrets.rotated_password)
    failed = outputs.run("connections", "test", "warehouse", check=False)
    assert failed.returncode == 1
    assert "warehouse" in failed.stdout and "error" in failed.stdout

    lake = Path(sluice.env["SLUICE_CONN_LAKE"].removeprefix("file://"))
    assert any(lake.rglob("_manifest.json"))
    searched = assert_never_shown(secrets, outputs, sluice.home, lake, dags)
    assert searched > 10


def test_unreadable_secret_file_is_one_clear_line(sluice, secrets):
    missing = secrets.secrets_dir / "absent"
    sluice = with_connections(sluice, SLUICE_CONN_WAREHOUSE_FILE=str(missing),
                              SLUICE_CONN_JSONPLACEHOLDER=sluice.env["SLUICE_CONN_JSONPLACEHOLDER"])
    result = sluice.run("connections", "get", "warehouse", check=False)
    assert result.returncode != 0
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert f"SLUICE_CONN_WAREHOUSE_FILE={missing}" in lines[0]

    run = sluice.run("run", FLAGSHIP, "--date", "2025-03-15", check=False)
    assert run.returncode != 0
    assert f"SLUICE_CONN_WAREHOUSE_FILE={missing}" in run.stderr


def test_failing_command_names_the_command_not_its_output(sluice, secrets):
    secrets.configure(command_serves=["nowhere"])
    result = with_connections(sluice).run("connections", "get", "nowhere", check=False)
    assert result.returncode != 0
    assert "secret-command.sh" in result.stderr
    assert "exited with status 4" in result.stderr
    assert "no secret for nowhere" in result.stderr  # its stderr explains why


def test_rotated_file_is_picked_up_without_restart(sluice, secrets, dags, database):
    sluice = with_connections(sluice, SLUICE_CONN_WAREHOUSE_FILE=str(secrets.warehouse_file))
    # Across processes: each one reads the file as it is now.
    secrets.configure(command_serves=["nowhere"], cache_seconds=1)
    assert f"{secrets.role}:***@" in sluice.run("connections", "get", "warehouse").stdout
    secrets.write_warehouse_url(secrets.db_password, user="someone_else")
    assert "someone_else:***@" in sluice.run("connections", "get", "warehouse").stdout
    secrets.write_warehouse_url(secrets.db_password)

    # Within one process: a task rotates the password in PostgreSQL and in the
    # file; the next task connects with the new one once the cache expires.
    rotate = secrets.secrets_dir / "rotate.sh"
    rotate.write_text(
        "#!/bin/sh\nset -e\n"
        "sleep 1.5\n"
        f"psql '{database.admin_url}' -qAtc \"ALTER ROLE \\\"{secrets.role}\\\" "
        f"PASSWORD '{secrets.rotated_password}'\"\n"
        f"printf '%s\\n' '{secrets.warehouse_url(secrets.rotated_password)}' > '{secrets.warehouse_file}.tmp'\n"
        f"mv '{secrets.warehouse_file}.tmp' '{secrets.warehouse_file}'\n")
    (dags / f"{ROTATION_DAG}.yaml").write_text(
        f"dag_id: {ROTATION_DAG}\n"
        "tasks:\n"
        "  before: {kind: sql, sql: \"SELECT 1\"}\n"
        f"  rotate: {{kind: command, upstream: [before], command: [sh, '{rotate}']}}\n"
        "  after: {kind: sql, sql: \"SELECT 1\", upstream: [rotate]}\n")
    outputs = Outputs(sluice)

    # With a long cache the old password is still used, and PostgreSQL rejects it.
    secrets.configure(command_serves=["nowhere"], cache_seconds=300)
    stale = outputs.run("run", ROTATION_DAG, "--date", "2025-03-15", check=False)
    assert stale.returncode != 0
    assert "after" in stale.stderr and "password authentication failed" in stale.stderr

    # Back to the first password, then a 1 s cache: the rotation is picked up.
    database.psql_admin(f"ALTER ROLE \"{secrets.role}\" PASSWORD '{secrets.db_password}'")
    secrets.write_warehouse_url(secrets.db_password)
    secrets.configure(command_serves=["nowhere"], cache_seconds=1)
    fresh = outputs.run("run", ROTATION_DAG, "--date", "2025-03-15")
    assert "after" in fresh.stdout
    assert_never_shown(secrets, outputs, sluice.home)


def test_s3_lake_key_from_a_command(sluice, secrets):
    s3_url = required_env("SLUICE_TEST_S3_URL")
    secret_key = unquote(urlsplit(s3_url).password)
    secrets.secrets_dir.joinpath("lake-command.sh").write_text(f"#!/bin/sh\necho '{s3_url}'\n")
    (secrets.home / "sluice.yaml").write_text(
        "secrets:\n"
        f"  command: [sh, \"{secrets.secrets_dir / 'lake-command.sh'}\"]\n"
        "  connections: [lake]\n")
    env = {k: v for k, v in sluice.env.items() if k != "SLUICE_CONN_LAKE"}
    s3 = Sluice(sluice.home, env)
    outputs = Outputs(s3)
    tested = outputs.run("connections", "test", "lake")
    assert tested.stdout.startswith("lake ") and " ok " in tested.stdout
    listed = json.loads(outputs.run("-o", "json", "connections", "list").stdout)
    assert {c["id"]: c["source"] for c in listed["connections"]}["lake"] == "command"
    outputs.run("run", FLAGSHIP, "--date", "2025-03-15", "--logs")
    secrets.planted.append(secret_key)
    assert_never_shown(secrets, outputs, sluice.home)
