"""The flagship pipeline written the way the Airflow + MinIO + pandas stack
usually writes it: the reference sluice is measured against.

Two DAGs share the tasks and differ only in the load:
  jsonplaceholder_anchor_pandas  pandas DataFrame.to_sql through SQLAlchemy (the usual code)
  jsonplaceholder_anchor_copy    psycopg2 copy_expert of the clean CSV (the tuned variant)

Tasks: extract (requests, pages as the flagship paginates them, raw bytes to
the raw bucket with the minio client) -> transform (pandas json_normalize,
typed CSV to the clean bucket) -> create_tables (psycopg2) -> load.

Configuration comes from the environment, as the benchmark harness sets it:
  BENCH_SOURCE_URL  http://127.0.0.1:PORT serving /users, /comments?_page=N&_limit=M, ...
  BENCH_S3_ENDPOINT host:port of the S3 server; BENCH_S3_ACCESS_KEY, BENCH_S3_SECRET_KEY
  BENCH_PG_URL      postgresql://user@host:port/db (password from ~/.pgpass)
"""
import io
import json
import os

import pendulum
from airflow.sdk import dag, get_current_context, task

SOURCE_URL = os.environ.get("BENCH_SOURCE_URL", "http://127.0.0.1:3000")
S3_ENDPOINT = os.environ.get("BENCH_S3_ENDPOINT", "127.0.0.1:7070")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/mydb")
RAW_BUCKET = "anchor-raw"
CLEAN_BUCKET = "anchor-clean"

# resource -> page size (None: one request, as the flagship pipeline does)
RESOURCES = {"users": None, "posts": None, "comments": 500, "albums": None, "photos": 1000,
             "todos": None}

# table -> [(column, PostgreSQL type)], the first column is the primary key
TABLES = {
    "users": [("id", "bigint"), ("name", "text"), ("username", "text"), ("email", "text"),
              ("address_street", "text"), ("address_suite", "text"), ("address_city", "text"),
              ("address_zipcode", "text"), ("address_geo_lat", "double precision"),
              ("address_geo_lng", "double precision"), ("phone", "text"), ("website", "text"),
              ("company_name", "text"), ("company_catch_phrase", "text"), ("company_bs", "text")],
    "posts": [("id", "bigint"), ("user_id", "bigint"), ("title", "text"), ("body", "text")],
    "comments": [("id", "bigint"), ("post_id", "bigint"), ("name", "text"), ("email", "text"),
                 ("body", "text")],
    "albums": [("id", "bigint"), ("user_id", "bigint"), ("title", "text")],
    "photos": [("id", "bigint"), ("album_id", "bigint"), ("title", "text"), ("url", "text"),
               ("thumbnail_url", "text")],
    "todos": [("id", "bigint"), ("user_id", "bigint"), ("title", "text"),
              ("completed", "boolean")],
}


def minio_client():
    from minio import Minio

    return Minio(S3_ENDPOINT, access_key=os.environ.get("BENCH_S3_ACCESS_KEY"),
                 secret_key=os.environ.get("BENCH_S3_SECRET_KEY"), secure=False,
                 region="us-east-1")


def ensure_bucket(client, bucket):
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)


def run_key():
    """The data interval's date, or the run's date for runs without a logical date."""
    context = get_current_context()
    if context.get("ds"):
        return context["ds"]
    return context["dag_run"].run_after.strftime("%Y-%m-%d")


def snake_case(name):
    out = []
    for ch in name.replace(".", "_"):
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def extract_all(prefix):
    import requests

    client = minio_client()
    ensure_bucket(client, RAW_BUCKET)
    session = requests.Session()
    total = 0
    for resource, page_size in RESOURCES.items():
        page = 1
        while True:
            params = {"_page": page, "_limit": page_size} if page_size else None
            response = session.get(f"{SOURCE_URL}/{resource}", params=params, timeout=60)
            response.raise_for_status()
            records = response.json()
            body = response.content
            client.put_object(RAW_BUCKET, f"{prefix}/{resource}/page-{page:06d}.json",
                              io.BytesIO(body), len(body), content_type="application/json")
            total += len(records)
            if not page_size or len(records) < page_size:
                break
            page += 1
    return total


def transform_all(prefix):
    import pandas as pd

    client = minio_client()
    ensure_bucket(client, CLEAN_BUCKET)
    total = 0
    for table, columns in TABLES.items():
        records = []
        for obj in client.list_objects(RAW_BUCKET, prefix=f"{prefix}/{table}/", recursive=True):
            response = client.get_object(RAW_BUCKET, obj.object_name)
            try:
                records.extend(json.loads(response.read()))
            finally:
                response.close()
                response.release_conn()
        df = pd.json_normalize(records, sep="_")
        df.columns = [snake_case(c) for c in df.columns]
        names = [name for name, _ in columns]
        df = df.reindex(columns=names)
        for name, kind in columns:
            if kind == "double precision":
                df[name] = pd.to_numeric(df[name], errors="coerce")
            elif kind == "bigint":
                df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
        df = df.dropna(subset=["id"]).drop_duplicates(subset=["id"], keep="last")
        data = df.to_csv(index=False).encode()
        client.put_object(CLEAN_BUCKET, f"{prefix}/{table}.csv", io.BytesIO(data), len(data),
                          content_type="text/csv")
        total += len(df)
    return total


def create_tables(schema):
    import psycopg2

    with psycopg2.connect(PG_URL) as conn, conn.cursor() as cur:
        cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for table, columns in TABLES.items():
            defs = ", ".join(f"{name} {kind}" for name, kind in columns)
            cur.execute(f'CREATE TABLE IF NOT EXISTS "{schema}".{table} ({defs}, '
                        f"PRIMARY KEY ({columns[0][0]}))")


def load_pandas(prefix, schema):
    import pandas as pd
    import sqlalchemy

    client = minio_client()
    engine = sqlalchemy.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg2://"))
    total = 0
    try:
        for table in TABLES:
            response = client.get_object(CLEAN_BUCKET, f"{prefix}/{table}.csv")
            try:
                df = pd.read_csv(io.BytesIO(response.read()))
            finally:
                response.close()
                response.release_conn()
            with engine.begin() as conn:
                conn.execute(sqlalchemy.text(f'TRUNCATE "{schema}".{table}'))
                df.to_sql(table, conn, schema=schema, if_exists="append", index=False)
            total += len(df)
    finally:
        engine.dispose()
    return total


def load_copy(prefix, schema):
    import psycopg2

    client = minio_client()
    total = 0
    with psycopg2.connect(PG_URL) as conn, conn.cursor() as cur:
        for table, columns in TABLES.items():
            names = ", ".join(name for name, _ in columns)
            response = client.get_object(CLEAN_BUCKET, f"{prefix}/{table}.csv")
            try:
                cur.execute(f'TRUNCATE "{schema}".{table}')
                cur.copy_expert(f'COPY "{schema}".{table} ({names}) FROM STDIN '
                                "WITH (FORMAT csv, HEADER true)", response)
                total += cur.rowcount
            finally:
                response.close()
                response.release_conn()
    return total


def make_dag(dag_id, schema, loader):
    @dag(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2025, 3, 15, tz="UTC"),
         catchup=False, max_active_runs=1, tags=["bench"])
    def pipeline():
        @task
        def raw_data_collection_task():
            return extract_all(f"{dag_id}/{run_key()}")

        @task
        def raw_data_processing_task():
            return transform_all(f"{dag_id}/{run_key()}")

        @task
        def create_tables_task():
            create_tables(schema)

        @task
        def load_process_data_to_postgres():
            return loader(f"{dag_id}/{run_key()}", schema)

        (raw_data_collection_task() >> raw_data_processing_task() >> create_tables_task()
         >> load_process_data_to_postgres())

    return pipeline()


make_dag("jsonplaceholder_anchor_pandas", "anchor_pandas", load_pandas)
make_dag("jsonplaceholder_anchor_copy", "anchor_copy", load_copy)
