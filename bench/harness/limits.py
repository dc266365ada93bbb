"""The physical limits, measured on the same bytes as the pipelines: curl for the
source and the S3 server, psql \\copy for PostgreSQL, cat for the machine."""
import os
import subprocess
import urllib.parse

import measure
from services import RESOURCES, psql

PARALLEL = ["--parallel", "--parallel-max", "4", "--parallel-immediate"]


def _curl_config(path, pairs, upload):
    with open(path, "w") as f:
        for target, url in pairs:
            if upload:
                f.write(f'upload-file = "{target}"\nurl = "{url}"\n')
            else:
                f.write(f'url = "{url}"\noutput = "{target}"\n')
    return path


def source_download(work, urls, runs):
    config = _curl_config(os.path.join(work, "source.curl"), [("/dev/null", u) for u in urls],
                          upload=False)
    return [measure.run(["curl", "-sS", "--fail", *PARALLEL, "-K", config]) for _ in range(runs)]


def store_put_get(work, s3, files, bucket, prefix, runs):
    """PUT then GET every file as one object each: ([put samples], [get samples])."""
    user = s3.user_config(work)
    make_bucket = s3.curl_base() + ["-K", user, "-X", "PUT", f"http://{s3.endpoint}/{bucket}",
                                    "-o", "/dev/null"]
    subprocess.run(make_bucket, stderr=subprocess.DEVNULL)  # exists already: 409, fine
    urls = [s3.object_url(bucket, f"{prefix}/{i:06d}-{os.path.basename(f)}")
            for i, f in enumerate(files)]
    put = _curl_config(os.path.join(work, f"{prefix}-put.curl"), list(zip(files, urls)), True)
    get = _curl_config(os.path.join(work, f"{prefix}-get.curl"),
                       [("/dev/null", u) for u in urls], False)
    puts, gets = [], []
    for _ in range(runs):
        puts.append(measure.run(s3.curl_base() + PARALLEL + ["-K", user, "-K", put, "-o",
                                                             "/dev/null"]))
        gets.append(measure.run(s3.curl_base() + PARALLEL + ["-K", user, "-K", get]))
    return puts, gets


def fetch_clean_csvs(work, s3, bucket, prefix_of_table):
    """Downloads sluice's clean CSV parts; {table: [paths]}."""
    user = s3.user_config(work)
    out = {}
    for table in RESOURCES:
        prefix = prefix_of_table(table)
        listing = subprocess.run(s3.curl_base() + ["-K", user,
                                                   f"http://{s3.endpoint}/{bucket}?list-type=2&prefix="
                                                   + urllib.parse.quote(prefix, safe="")],
                                 capture_output=True, text=True, check=True).stdout
        keys = [k for k in _keys(listing) if k.endswith(".csv")]
        paths = []
        for i, key in enumerate(sorted(keys)):
            path = os.path.join(work, "clean", f"{table}-{i:05d}.csv")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run(s3.curl_base() + ["-K", user, "-o", path, s3.object_url(bucket, key)],
                           check=True)
            paths.append(path)
        out[table] = paths
    return out


def _keys(xml):
    keys, start = [], 0
    while True:
        i = xml.find("<Key>", start)
        if i < 0:
            return keys
        j = xml.find("</Key>", i)
        keys.append(xml[i + 5:j].replace("&amp;", "&"))
        start = j


def sink_copy(work, pg_url, csvs, like_schema, runs, schema="bench_limit"):
    """psql \\copy of the clean CSVs into tables shaped like like_schema's (keys included)."""
    psql(pg_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    for table in RESOURCES:
        psql(pg_url, f'CREATE TABLE "{schema}".{table} (LIKE "{like_schema}".{table} INCLUDING ALL)')
    script = os.path.join(work, "sink.sql")
    with open(script, "w") as f:
        f.write("\\set ON_ERROR_STOP on\nBEGIN;\n")
        for table, paths in csvs.items():
            for path in paths:
                header = open(path).readline().strip()
                f.write(f'\\copy "{schema}".{table} ({header}) FROM \'{path}\' '
                        "WITH (FORMAT csv, HEADER true)\n")
        f.write("COMMIT;\n")
    samples = []
    for _ in range(runs):
        psql(pg_url, "; ".join(f'TRUNCATE "{schema}".{t}' for t in RESOURCES))
        samples.append(measure.run(["psql", "-X", "-q", "-f", script, pg_url]))
    return samples


def machine_cat(files, runs):
    return [measure.run(["cat", *files]) for _ in range(runs)]
