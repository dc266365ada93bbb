"""Fixtures for end-to-end tests: the sluice binary, a fresh SLUICE_HOME, a
database of its own on the real PostgreSQL, and the real json-server."""
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("SLUICE_SOURCE_ROOT", Path(__file__).resolve().parents[2]))
BIN = Path(os.environ.get("SLUICE_BIN", ROOT / "build" / "sluice"))
FLAGSHIP = "trust_wallet_jsonplaceholder_api_data"


def required_env(name, fallback=None):
    value = os.environ.get(name) or fallback
    if not value:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not set: run the tests through `make test`")
        pytest.skip(f"{name} is not set")
    return value


class Sluice:
    """Runs the binary with a private SLUICE_HOME and the given connections."""

    def __init__(self, home: Path, env: dict):
        self.home = home
        self.env = env

    def run(self, *args, check=True, timeout=300, extra_env=None, input=None):
        env = dict(self.env)
        env.update(extra_env or {})
        result = subprocess.run([str(BIN), *map(str, args)], env=env, capture_output=True,
                                text=True, timeout=timeout, input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"sluice {' '.join(map(str, args))} exited {result.returncode}\n"
                                 f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result


class Database:
    """A database of its own on the test PostgreSQL, dropped afterwards."""

    def __init__(self, base_url: str):
        self.name = "sluice_e2e_" + uuid.uuid4().hex[:12]
        head, _, _ = base_url.rpartition("/")
        self.admin_url = base_url
        self.url = f"{head}/{self.name}"
        self.psql_admin(f'CREATE DATABASE "{self.name}"')

    def psql_admin(self, sql):
        subprocess.run(["psql", self.admin_url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                       capture_output=True, text=True)

    def query(self, sql):
        out = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-qAtF", "\t", "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def scalar(self, sql):
        return self.query(sql)[0][0]

    def drop(self):
        self.psql_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def database():
    db = Database(required_env("SLUICE_TEST_PG_URL", None if os.environ.get("CI") == "true"
                               else "postgresql://postgres@127.0.0.1:5432/postgres"))
    yield db
    db.drop()


@pytest.fixture
def source_url():
    return required_env("SLUICE_TEST_SOURCE_URL", None if os.environ.get("CI") == "true"
                        else "http://127.0.0.1:3100")


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def dags(tmp_path):
    """A pipelines folder holding a copy of the shipped pipelines."""
    folder = tmp_path / "dags"
    shutil.copytree(ROOT / "pipelines", folder)
    return folder


@pytest.fixture
def sluice(home, dags, database, source_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_CONN_")}
    env.update({
        "SLUICE_HOME": str(home),
        "SLUICE_DAGS_FOLDER": str(dags),
        "SLUICE_CONN_JSONPLACEHOLDER": source_url,
        "SLUICE_CONN_WAREHOUSE": database.url,
        "SLUICE_CONN_LAKE": f"file://{tmp_path}/lake",
    })
    return Sluice(home, env)
