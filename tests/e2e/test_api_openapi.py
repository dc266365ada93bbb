"""Every route in /api/v2/openapi.json answers as documented: with a
documented status and a body that fits the documented schema."""
import json

import pytest

from conftest import FLAGSHIP
from sluice_api import Server, server_env


@pytest.fixture
def server(home, dags, tmp_path):
    lake = tmp_path / "lake"
    part = lake / "raw" / "jsonplaceholder" / "users" / "ds=2025-03-15" / "run=r1"
    part.mkdir(parents=True)
    (part / "part-00000.json").write_text('[{"id": 1}, {"id": 2}]')
    srv = Server(server_env(home, dags, lake), home)
    srv.create_users()
    srv.start()
    yield srv
    srv.stop()


def resolve(schema, document):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
         "object": dict, "array": list, "null": type(None)}


def check(value, schema, document, where="$"):
    """A small JSON Schema check: $ref, type (with null), anyOf, enum, required,
    properties, items, additionalProperties."""
    schema = resolve(schema, document)
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                check(value, option, document, where)
                return
            except AssertionError as error:
                errors.append(str(error))
        raise AssertionError(f"{where}: matches no anyOf option: {errors}")
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        ok = any(isinstance(value, TYPES[t]) and not (t in ("integer", "number") and
                                                      isinstance(value, bool)) for t in types)
        assert ok, f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: required field {name!r} is missing"
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                check(value[name], sub, document, f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, item in value.items():
                if name not in schema.get("properties", {}):
                    check(item, extra, document, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], document, f"{where}[{i}]")


def test_every_documented_route_answers_as_documented(server):
    admin = server.token()
    document = server.request("GET", "/api/v2/openapi.json").json
    run = server.request("POST", f"/api/v2/dags/{FLAGSHIP}/dagRuns",
                         {"logical_date": "2025-03-15T10:00:00Z", "dag_run_id": "doc_run"},
                         token=admin)
    assert run.status == 200, run
    values = {"dag_id": FLAGSHIP, "dag_run_id": "doc_run", "task_id": "create_tables_task",
              "map_index": "-1", "try_number": "1"}
    queries = {"/api/v2/sluice/lake/list": "?prefix=raw/",
               "/api/v2/sluice/lake/object": "?key=raw/jsonplaceholder/users/ds%3D2025-03-15/"
                                             "run%3Dr1/part-00000.json",
               "/api/v2/sluice/lake/preview": "?key=raw/jsonplaceholder/users/ds%3D2025-03-15/"
                                              "run%3Dr1/part-00000.json",
               "/api/v2/sluice/lake/download": "?key=raw/jsonplaceholder/users/ds%3D2025-03-15/"
                                               "run%3Dr1/part-00000.json"}
    bodies = {"/auth/token": {"username": "admin", "password": "e2e-admin-password-1"},
              "/api/v2/sluice/login": {"username": "admin", "password": "e2e-admin-password-1"},
              "/api/v2/dags/{dag_id}": {"is_paused": False},
              "/api/v2/dags/{dag_id}/dagRuns": {"logical_date": None},
              "/api/v2/dags/{dag_id}/clearTaskInstances": {"dag_run_id": "doc_run"},
              "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}":
                  {"new_state": "failed"}}
    checked = 0
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            path = template
            for name, value in values.items():
                path = path.replace("{" + name + "}", value)
            path += queries.get(template, "")
            body = bodies.get(template) if method in ("post", "patch") else None
            reply = server.request(method.upper(), path, body, token=admin)
            where = f"{method.upper()} {path}"
            assert str(reply.status) in operation["responses"], f"{where}: {reply}"
            assert 200 <= reply.status < 300, f"{where}: {reply}"
            content = operation["responses"][str(reply.status)].get("content", {})
            if "application/json" in content:
                check(reply.json, content["application/json"]["schema"], document, where)
            # Without credentials a protected route answers 401, as documented.
            if "security" in operation:
                anonymous = server.request(method.upper(), path, body)
                assert anonymous.status == 401 and "401" in operation["responses"], where
            checked += 1
    assert checked >= 25
