"""The flagship pipeline end to end: json-server -> lake -> PostgreSQL."""
import json
from pathlib import Path

from conftest import FLAGSHIP

EXPECTED = {"users": 10, "posts": 100, "comments": 500, "albums": 100, "photos": 5000, "todos": 200}


def table_counts(database):
    return {table: int(database.scalar(f"SELECT count(*) FROM jsonplaceholder.{table}"))
            for table in EXPECTED}


def table_digest(database, table):
    return database.scalar(
        f"SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM jsonplaceholder.{table} t")


def lake_root(sluice):
    return Path(sluice.env["SLUICE_CONN_LAKE"].removeprefix("file://"))


def test_run_loads_every_table_and_reconciles(sluice, database):
    result = sluice.run("run", FLAGSHIP, "--date", "2025-03-15")
    assert table_counts(database) == EXPECTED
    for task in ("raw_data_collection_task", "raw_data_processing_task", "create_tables_task",
                 "load_process_data_to_postgres"):
        assert task in result.stdout
    assert "reconciliation" in result.stdout.lower()

    lake = lake_root(sluice)
    manifests = sorted(lake.glob("raw/jsonplaceholder/*/ds=2025-03-15/run=*/_manifest.json"))
    assert {m.parts[-4] for m in manifests} == set(EXPECTED)
    photos = json.loads(next(m for m in manifests if m.parts[-4] == "photos").read_text())
    assert photos["records"] == 5000
    assert len(photos["parts"]) == 5  # paginated by 1000
    for part in photos["parts"]:
        assert len(part["sha256"]) == 64 and part["status"] == 200

    schema = json.loads((lake / "clean/jsonplaceholder/users/ds=2025-03-15/schema.json").read_text())
    assert schema["rows"] == 10
    assert [c["name"] for c in schema["columns"]][:2] == ["id", "name"]
    reports = list(lake.glob(f"clean/_runs/{FLAGSHIP}/*.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    for table in report["tables"]:
        assert table["fetched"] == table["loaded"] + table["quarantined"] + table["duplicates"]
        assert table["ok"] is True


def test_nested_and_camel_case_fields_are_flattened(sluice, database):
    sluice.run("run", FLAGSHIP, "--date", "2025-03-15")
    row = database.query("SELECT address_geo_lat, company_catch_phrase, pg_typeof(address_geo_lat) "
                         "FROM jsonplaceholder.users WHERE id = 1")[0]
    assert float(row[0]) != 0.0
    assert row[1].startswith("Multi-layered")
    assert row[2] == "double precision"
    assert database.scalar("SELECT pg_typeof(completed) FROM jsonplaceholder.todos LIMIT 1") == "boolean"
    assert database.scalar("SELECT count(*) FROM jsonplaceholder.photos "
                           "WHERE thumbnail_url LIKE 'https://%'") == "5000"


def test_rerunning_a_date_changes_nothing(sluice, database):
    sluice.run("run", FLAGSHIP, "--date", "2025-03-15")
    before = {t: table_digest(database, t) for t in EXPECTED}
    loaded_at = database.scalar("SELECT max(_loaded_at) FROM jsonplaceholder.photos")
    sluice.run("run", FLAGSHIP, "--date", "2025-03-15")
    assert table_counts(database) == EXPECTED
    assert {t: table_digest(database, t) for t in EXPECTED} == before
    assert database.scalar("SELECT max(_loaded_at) FROM jsonplaceholder.photos") == loaded_at


def test_another_date_adds_a_raw_partition_and_no_duplicate_rows(sluice, database):
    sluice.run("run", FLAGSHIP, "--date", "2025-03-15")
    sluice.run("run", FLAGSHIP, "--date", "2025-03-16")
    assert table_counts(database) == EXPECTED
    lake = lake_root(sluice)
    for ds in ("2025-03-15", "2025-03-16"):
        assert list(lake.glob(f"raw/jsonplaceholder/users/ds={ds}/run=*/_manifest.json"))


def test_each_task_runs_alone(sluice, database):
    for task in ("raw_data_collection_task", "raw_data_processing_task", "create_tables_task",
                 "load_process_data_to_postgres"):
        sluice.run("tasks", "run", FLAGSHIP, task, "--date", "2025-03-17")
    assert table_counts(database) == EXPECTED


def test_processing_reads_the_lake_not_the_network(sluice, database):
    sluice.run("tasks", "run", FLAGSHIP, "raw_data_collection_task", "--date", "2025-03-18")
    offline = {"SLUICE_CONN_JSONPLACEHOLDER": "http://127.0.0.1:9"}
    for task in ("raw_data_processing_task", "create_tables_task", "load_process_data_to_postgres"):
        sluice.run("tasks", "run", FLAGSHIP, task, "--date", "2025-03-18", extra_env=offline)
    assert table_counts(database) == EXPECTED
