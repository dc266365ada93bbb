"""The command line: version, help, DAG listing and graph."""
from conftest import FLAGSHIP


def test_version(sluice):
    assert sluice.run("--version").stdout.startswith("sluice ")


def test_help_everywhere(sluice):
    for args in ([], ["run"], ["dags"], ["dags", "list"], ["dags", "show"], ["tasks"], ["tasks", "run"],
                 ["dev", "generate"]):
        result = sluice.run(*args, "--help")
        assert "Usage" in result.stdout or "usage" in result.stdout.lower(), args


def test_dags_list_shows_the_flagship(sluice):
    out = sluice.run("dags", "list").stdout
    assert FLAGSHIP in out
    assert "*/30 * * * *" in out


def test_dags_show_prints_the_task_graph(sluice):
    out = sluice.run("dags", "show", FLAGSHIP).stdout
    order = [out.index(task) for task in ("raw_data_collection_task", "raw_data_processing_task",
                                          "create_tables_task", "load_process_data_to_postgres")]
    assert order == sorted(order)


def test_unknown_command_is_an_error(sluice):
    result = sluice.run("frobnicate", check=False)
    assert result.returncode != 0
