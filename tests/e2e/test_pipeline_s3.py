"""The flagship pipeline with its lake on the S3 server (versitygw): the same
keys and manifests as on the filesystem, the same rows in PostgreSQL."""
import re
import subprocess
from urllib.parse import quote, unquote, urlparse

from conftest import FLAGSHIP, required_env
from test_pipeline_run import EXPECTED, table_counts


def list_keys(s3_url, bucket, prefix):
    url = urlparse(s3_url)
    endpoint = f"http://{url.hostname}:{url.port}"
    keys, token = [], None
    while True:
        query = (f"list-type=2&prefix={quote(prefix, safe='')}"
                 + (f"&continuation-token={quote(token, safe='')}" if token else ""))
        body = subprocess.run(
            ["curl", "-fsS", "--aws-sigv4", "aws:amz:us-east-1:s3",
             "--user", f"{unquote(url.username)}:{unquote(url.password)}",
             "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", f"{endpoint}/{bucket}?{query}"],
            check=True, capture_output=True, text=True).stdout
        keys += re.findall(r"<Key>([^<]+)</Key>", body)
        match = re.search(r"<NextContinuationToken>([^<]+)</NextContinuationToken>", body)
        if not match:
            return keys
        token = match.group(1)

def test_flagship_on_s3_lands_raw_and_clean_objects(sluice, database):
    s3_url = required_env("SLUICE_TEST_S3_URL")
    result = sluice.run("run", FLAGSHIP, "--date", "2025-03-15", extra_env={"SLUICE_CONN_LAKE": s3_url})
    secret_key = unquote(urlparse(s3_url).password)
    assert secret_key not in result.stdout + result.stderr
    assert table_counts(database) == EXPECTED
    # One date's prefixes: the listing stays one page even on a server that holds other days.
    raw = [key for resource in EXPECTED
           for key in list_keys(s3_url, "raw", f"jsonplaceholder/{resource}/ds=2025-03-15/")]
    for resource in EXPECTED:
        assert any(re.fullmatch(rf"jsonplaceholder/{resource}/ds=2025-03-15/run=[^/]+/_manifest\.json", k)
                   for k in raw), resource
    assert len([k for k in raw if "/photos/" in k and k.endswith(".json") and "part-" in k]) >= 5
    for table in EXPECTED:
        clean = list_keys(s3_url, "clean", f"jsonplaceholder/{table}/ds=2025-03-15/")
        assert f"jsonplaceholder/{table}/ds=2025-03-15/schema.json" in clean
    assert any(k.startswith(f"_runs/{FLAGSHIP}/") for k in list_keys(s3_url, "clean", "_runs/"))
