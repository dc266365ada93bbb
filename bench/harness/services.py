"""The benchmark's data and servers: generated pages served by nginx, the S3
server started by scripts/s3 (spoken to with curl --aws-sigv4), PostgreSQL
through psql."""
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

RESOURCES = ["users", "posts", "comments", "albums", "photos", "todos"]
# Records per resource at scale 1 (sluice dev generate), and the flagship's page sizes.
BASE_COUNTS = {"users": 10, "posts": 100, "comments": 500, "albums": 100, "photos": 5000,
               "todos": 200}
PAGE_SIZES = {"comments": 500, "photos": 1000}


def counts_at(scale):
    return {r: n * scale for r, n in BASE_COUNTS.items()}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_urls(base, scale):
    """The URLs the flagship pipeline requests: a short or empty page ends a resource."""
    urls = []
    for resource, count in counts_at(scale).items():
        size = PAGE_SIZES.get(resource)
        if not size:
            urls.append(f"{base}/{resource}")
            continue
        pages = count // size + 1  # the page after the last full one is short or empty
        urls.extend(f"{base}/{resource}?_page={p}&_limit={size}" for p in range(1, pages + 1))
    return urls


def generate_site(sluice, site, scale):
    """<site>/<resource>/<page>.json with the flagship's page sizes; one page for the others."""
    stamp = os.path.join(site, ".scale")
    if os.path.exists(stamp) and open(stamp).read() == str(scale):
        return
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site)
    work = site + ".tmp"
    for size, wanted in ((500, ["comments"]), (1000, ["photos"]),
                         (10_000_000, ["users", "posts", "albums", "todos"])):
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run([sluice, "dev", "generate", "--scale", str(scale), "--pages", work,
                        "--page-size", str(size)], check=True, stdout=subprocess.DEVNULL)
        for resource in wanted:
            os.rename(os.path.join(work, resource), os.path.join(site, resource))
    shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(site, "empty.json"), "w") as f:
        f.write("[]\n")
    with open(stamp, "w") as f:
        f.write(str(scale))


def site_files(site, scale):
    """The page files in the order of page_urls (missing trailing pages are the empty page)."""
    files = []
    for resource, count in counts_at(scale).items():
        size = PAGE_SIZES.get(resource)
        pages = count // size + 1 if size else 1
        for p in range(1, pages + 1):
            path = os.path.join(site, resource, f"{p}.json")
            files.append(path if os.path.exists(path) else os.path.join(site, "empty.json"))
    return files


NGINX_CONF = """daemon off;
worker_processes 2;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 1000000;
  client_body_temp_path {home}/tmp; proxy_temp_path {home}/tmp; fastcgi_temp_path {home}/tmp;
  uwsgi_temp_path {home}/tmp; scgi_temp_path {home}/tmp;
  map $arg__page $page {{ "" 1; "~^[0-9]+$" $arg__page; default 0; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    default_type application/json;
    location ~ "^/(?<res>[a-z]+)$" {{ try_files /$res/$page.json /empty.json; }}
  }}
}}
"""


class Nginx:
    """nginx serving one site folder on a free port: GET /photos?_page=3&_limit=1000."""

    def __init__(self, home):
        self.home = home
        self.process = None
        self.url = None

    def start(self, root):
        self.stop()
        os.makedirs(os.path.join(self.home, "tmp"), exist_ok=True)
        port = free_port()
        conf = os.path.join(self.home, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(home=self.home, port=port, root=root))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([binary, "-p", self.home, "-c", conf, "-e",
                                         os.path.join(self.home, "error.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited {self.process.returncode}: see {self.home}/error.log")
            try:
                with urllib.request.urlopen(self.url + "/users", timeout=2) as r:
                    if r.status == 200:
                        return self.url
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not answer on {self.url}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class S3:
    """The S3 server from its sluice URL s3://KEY:SECRET@host:port?tls=false&region=R."""

    def __init__(self, url):
        parsed = urllib.parse.urlparse(url)
        self.url = url
        self.access = urllib.parse.unquote(parsed.username or "")
        self.secret = urllib.parse.unquote(parsed.password or "")
        self.endpoint = f"{parsed.hostname}:{parsed.port}"
        query = urllib.parse.parse_qs(parsed.query)
        self.region = query.get("region", ["us-east-1"])[0]

    def curl_base(self):
        # The credentials go through a config file, never on a command line.
        return ["curl", "-sS", "--fail", "--aws-sigv4", f"aws:amz:{self.region}:s3",
                "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]

    def user_config(self, folder):
        path = os.path.join(folder, "s3.curlrc")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f'user = "{self.access}:{self.secret}"\n')
        return path

    def object_url(self, bucket, key):
        return f"http://{self.endpoint}/{bucket}/{urllib.parse.quote(key, safe='/')}"

    def env(self):
        return {"BENCH_S3_ENDPOINT": self.endpoint, "BENCH_S3_ACCESS_KEY": self.access,
                "BENCH_S3_SECRET_KEY": self.secret}


def psql(pg_url, sql, check=True):
    result = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", pg_url, "-c", sql],
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"psql on {pg_url}: {result.stderr.strip()}")
    return result.stdout.strip()


def table_counts(pg_url, schema):
    """{table: rows} for the six tables of `schema`; None where the table is missing."""
    counts = {}
    for table in RESOURCES:
        out = psql(pg_url, f'SELECT count(*) FROM "{schema}".{table}', check=False)
        counts[table] = int(out) if out.isdigit() else None
    return counts


def drop_schemas(pg_url, *schemas):
    for schema in schemas:
        psql(pg_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
