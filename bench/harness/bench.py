"""sluice beside the Airflow + pandas stack and beside the physical limits.

Run through scripts/bench (which installs and starts what is needed), e.g.:
  python3 bench/harness/bench.py --smoke
  python3 bench/harness/bench.py --scales "100 1000" --anchor-scales "1 100 1000" --runs 3
The environment gives the servers: BENCH_PG_URL, BENCH_METADB_URL, BENCH_S3_URL, BENCH_VENV.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.parse

import limits
import measure
import report
import services
from measure import Figure

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DAG = "trust_wallet_jsonplaceholder_api_data"
DS = "2025-03-15"
STAGES = ["raw_data_collection_task", "raw_data_processing_task", "create_tables_task",
          "load_process_data_to_postgres"]
W3_SHAPES = {"fanout_200": ("fanout", 200), "chain_50": ("chain", 50)}
API_LATENCY_PATH = "/api/v2/dags"
API_LATENCY_REQUESTS = 100


def log(message):
    print(f"\033[1;34m==>\033[0m {message}", file=sys.stderr, flush=True)


def snapshot(binary, copy):
    """A private copy of the binary, once it is complete: a rebuild during the run must not
    change what is measured."""
    previous, deadline = None, time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            state = os.stat(binary)
            current = (state.st_size, state.st_mtime_ns, os.access(binary, os.X_OK))
        except OSError:
            current = None
        if current and current == previous and current[2]:
            break
        previous = current
        time.sleep(2)
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(binary, copy + ".tmp")
    os.replace(copy + ".tmp", copy)
    return copy


def has_standalone(sluice):
    out = subprocess.run([sluice, "--help"], capture_output=True, text=True).stdout
    return any(line.split()[:1] == ["standalone"] for line in out.splitlines())


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.environ.get("BENCH_WORK", os.path.join(ROOT, ".sluice-dev", "bench"))
        os.makedirs(os.path.join(self.work, "logs"), exist_ok=True)  # every phase logs there
        os.makedirs(self.work, exist_ok=True)
        self.sluice = snapshot(os.environ.get("SLUICE_BIN", os.path.join(ROOT, "build", "sluice")),
                               os.path.join(self.work, "bin", "sluice"))
        # Read with the snapshot: a commit made while the workloads run is not what was measured.
        self.commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True).stdout.strip() or "n/a"
        self.pg_url = os.environ["BENCH_PG_URL"]
        self.s3 = services.S3(os.environ["BENCH_S3_URL"])
        self.nginx = services.Nginx(os.path.join(self.work, "nginx"))
        self.figures = {}   # (workload, figure, system) -> Figure
        self.checks = []    # (what, ok, detail)
        self.notes = []
        self.standalone = has_standalone(self.sluice)
        self.resumed_seconds = 0.0
        if args.resume_from:
            self.load_state(args.resume_from)

    def save_state(self, path):
        state = {"figures": [[*key, f.records, [vars(x) for x in f.samples]]
                             for key, f in self.figures.items()],
                 "checks": self.checks, "notes": self.notes, "elapsed": self.elapsed}
        with open(path, "w") as f:
            json.dump(state, f, indent=1)

    def load_state(self, path):
        # self.args is needed here: set in __init__ before this is called
        with open(path) as f:
            state = json.load(f)
        remeasured = "services" in self.args.phases
        for workload, name, system, records, samples in state["figures"]:
            if remeasured and (workload in ("W3", "idle", "API")
                               or name.startswith("trigger to done")):
                continue
            if "volume" in self.args.phases and workload.startswith(("W1", "W2")) and not (
                    name.startswith("trigger to done")):
                continue
            figure = self.figure(workload, name, system, records)
            for sample in samples:
                figure.add(measure.Sample(**sample))
        self.checks = [tuple(c) for c in state["checks"]
                       if not c[0].startswith(("sluice standalone", "Airflow services"))]
        self.notes = [n for n in state["notes"] if not n.startswith("load average")]
        self.resumed_seconds = state.get("elapsed", 0.0)
        self.notes.append(f"figures not measured by this invocation were read from {path}")

    def figure(self, workload, name, system, records=0):
        key = (workload, name, system)
        if key not in self.figures:
            self.figures[key] = Figure(records=records)
        return self.figures[key]

    def check(self, what, ok, detail=""):
        self.checks.append((what, ok, detail))
        log(f"check {what}: {'ok' if ok else 'FAILED'} {detail}")

    # --- sluice ---------------------------------------------------------------------------

    def sluice_env(self, source_url, dags=None):
        env = dict(os.environ)
        env = {k: v for k, v in env.items() if not k.startswith("SLUICE_CONN_")}
        env.update({"SLUICE_HOME": os.path.join(self.work, "sluice-home"),
                    "SLUICE_DAGS_FOLDER": dags or os.path.join(ROOT, "pipelines"),
                    "SLUICE_CONN_WAREHOUSE": self.pg_url,
                    "SLUICE_CONN_JSONPLACEHOLDER": source_url,
                    "SLUICE_CONN_LAKE": self.s3.url})
        return env

    def sluice_pipeline(self, workload, scale, source_url):
        records = sum(services.counts_at(scale).values())
        env = self.sluice_env(source_url)
        logs = os.path.join(self.work, "logs")
        os.makedirs(logs, exist_ok=True)
        expected = services.counts_at(scale)
        for i in range(self.args.runs):
            services.drop_schemas(self.pg_url, "jsonplaceholder")
            sample = measure.run([self.sluice, "run", DAG, "--date", DS], env=env,
                                 log_path=os.path.join(logs, f"sluice-run-{scale}.log"))
            self.figure(workload, "end to end", "sluice", records).add(sample)
            counts = services.table_counts(self.pg_url, "jsonplaceholder")
            self.check(f"{workload} sluice run {i + 1}: rows = generated records", counts == expected,
                       str(counts))
        for i in range(self.args.runs):
            services.drop_schemas(self.pg_url, "jsonplaceholder")
            # The stages of one run share its run id, as a scheduled run's tasks do: each is
            # recorded in that run, and the processing reads its own run's raw partition
            # rather than looking for the newest among every run of the date so far.
            run_id = f"bench__{int(time.time())}_{workload.replace(' ', '-')}_{i + 1}"
            subprocess.run([self.sluice, "dags", "trigger", DAG, "--run-id", run_id,
                            "--logical-date", DS], env=env, check=True, capture_output=True)
            for stage in STAGES:
                sample = measure.run([self.sluice, "tasks", "run", DAG, stage, "--date", DS,
                                      "--run-id", run_id],
                                     env=env, log_path=os.path.join(logs, f"sluice-{stage}.log"))
                self.figure(workload, f"stage {stage}", "sluice", records).add(sample)
        return services.table_counts(self.pg_url, "jsonplaceholder")

    # --- limits -----------------------------------------------------------------------------

    def limits(self, workload, scale, site, source_url):
        records = sum(services.counts_at(scale).values())
        runs = self.args.runs
        work = os.path.join(self.work, f"limits-{scale}")
        os.makedirs(work, exist_ok=True)
        urls = services.page_urls(source_url, scale)
        files = services.site_files(site, scale)
        raw_bytes = sum(os.path.getsize(f) for f in files)
        add = lambda name, samples: [self.figure(workload, name, "limit", records).add(s)
                                     for s in samples]
        add("source: curl GET of the pages", limits.source_download(work, urls, runs))
        puts, gets = limits.store_put_get(work, self.s3, files, "bench-limit", f"raw-{scale}", runs)
        add("store: curl PUT of the pages", puts)
        add("store: curl GET of the pages", gets)
        csvs = limits.fetch_clean_csvs(
            work, self.s3, "clean", lambda t: f"jsonplaceholder/{t}/ds={DS}/")
        csv_files = [p for paths in csvs.values() for p in paths]
        puts, gets = limits.store_put_get(work, self.s3, csv_files, "bench-limit",
                                          f"clean-{scale}", runs)
        add("store: curl PUT of the clean CSVs", puts)
        add("store: curl GET of the clean CSVs", gets)
        add("sink: psql \\copy of the clean CSVs",
            limits.sink_copy(work, self.pg_url, csvs, "jsonplaceholder", runs))
        add("machine: cat of the pages and CSVs", limits.machine_cat(files + csv_files, runs))
        csv_bytes = sum(os.path.getsize(f) for f in csv_files)
        self.notes.append(f"{workload}: {len(files)} pages, {raw_bytes / 2**20:.1f} MiB of JSON; "
                          f"{len(csv_files)} clean CSV files, {csv_bytes / 2**20:.1f} MiB")

    # --- the anchor -------------------------------------------------------------------------

    def airflow(self):
        import airflow_stack
        if not hasattr(self, "_airflow"):
            extra = dict(self.s3.env(), BENCH_PG_URL=self.pg_url)
            self._airflow = airflow_stack.Airflow(os.environ["BENCH_VENV"],
                                                  os.path.join(self.work, "airflow"),
                                                  os.environ["BENCH_METADB_URL"], extra)
            log("airflow db migrate")
            self._airflow.migrate()
        return self._airflow

    def anchor_pipeline(self, workload, scale, source_url):
        records = sum(services.counts_at(scale).values())
        af = self.airflow()
        af.env["BENCH_SOURCE_URL"] = source_url
        expected = services.counts_at(scale)
        for variant, schema in (("pandas", "anchor_pandas"), ("copy", "anchor_copy")):
            system = f"airflow {'to_sql' if variant == 'pandas' else 'COPY'}"
            for i in range(self.args.runs):
                services.drop_schemas(self.pg_url, schema)
                log(f"{workload}: airflow dags test jsonplaceholder_anchor_{variant} ({i + 1})")
                total, stages = af.dags_test(f"jsonplaceholder_anchor_{variant}", DS)
                self.figure(workload, "end to end (airflow dags test)", system, records).add(total)
                for stage, sample in stages.items():
                    self.figure(workload, f"stage {stage}", system, records).add(sample)
                counts = services.table_counts(self.pg_url, schema)
                self.check(f"{workload} anchor {variant} run {i + 1}: rows = sluice's rows",
                           counts == expected, str(counts))

    # --- workloads --------------------------------------------------------------------------

    def site(self, scale):
        site = os.path.join(self.work, "data", f"scale-{scale}")
        log(f"generating the pages at scale {scale}")
        services.generate_site(self.sluice, site, scale)
        return site, self.nginx.start(site)

    def volume(self, workload, scale, with_anchor):
        site, source_url = self.site(scale)
        log(f"{workload}: sluice at scale {scale}")
        self.sluice_pipeline(workload, scale, source_url)
        log(f"{workload}: limits at scale {scale}")
        self.limits(workload, scale, site, source_url)
        if with_anchor:
            self.anchor_pipeline(workload, scale, source_url)

    def w3_dags(self):
        folder = os.path.join(self.work, "w3-dags")
        os.makedirs(folder, exist_ok=True)
        # noop: done by the scheduler, as Airflow's EmptyOperator is; command: a process per
        # task (`true`), run by a worker slot, as Airflow runs a @task.
        for name, (shape, size) in W3_SHAPES.items():
            for dag_id, task in ((f"bench_{name}", "kind: noop"),
                                 (f"bench_{name}_command", "kind: command, command: \"true\"")):
                lines = [f"dag_id: {dag_id}", "tasks:"]
                for i in range(size):
                    upstream = f", upstream: [t{i - 1:03d}]" if shape == "chain" and i else ""
                    lines.append(f"  t{i:03d}: {{{task}{upstream}}}")
                with open(os.path.join(folder, f"{dag_id}.yaml"), "w") as f:
                    f.write("\n".join(lines) + "\n")
        return folder

    def orchestration_sluice(self):
        folder = self.w3_dags()
        env = self.sluice_env("http://127.0.0.1:9", dags=folder)
        for name, (shape, size) in W3_SHAPES.items():
            for _ in range(self.args.runs):
                sample = measure.run([self.sluice, "run", f"bench_{name}"], env=env,
                                     log_path=os.path.join(self.work, "logs", f"w3-{name}.log"))
                self.figure("W3", f"{name} (in process)", "sluice", size).add(sample)

    def services_airflow(self, w1_source):
        """W1 trigger-to-done, W3 and the idle footprint with Airflow's scheduler."""
        import airflow_stack
        af = self.airflow()
        af.env["BENCH_SOURCE_URL"] = w1_source
        log("starting Airflow: api-server, scheduler, dag-processor")
        af.start()
        try:
            dags = ["jsonplaceholder_anchor_pandas"] + [
                f"bench_{name}_{kind}" for name in W3_SHAPES for kind in self.args.w3_kinds]
            af.wait_for_dags(dags)
            time.sleep(self.args.idle_seconds)
            pss, count = measure.tree_pss_mib(af.roots())
            self.figure("idle", "memory (PSS, all processes)", "airflow").add(
                measure.Sample(0, 0, pss, note=f"{count} processes"))
            self.notes.append(f"Airflow idle: {count} processes, {pss:.0f} MiB PSS "
                              f"after {self.args.idle_seconds}s idle")
            self.api_latency(af.api, "airflow api-server")
            records = sum(services.counts_at(1).values())
            for i in range(self.args.runs):
                services.drop_schemas(self.pg_url, "anchor_pandas")
                log(f"W1: trigger jsonplaceholder_anchor_pandas through the REST API ({i + 1})")
                sample = airflow_stack.trigger_and_wait(af, "jsonplaceholder_anchor_pandas",
                                                        af.roots())
                self.figure("W1", "trigger to done (REST, scheduler)", "airflow to_sql",
                            records).add(sample)
                counts = services.table_counts(self.pg_url, "anchor_pandas")
                self.check(f"W1 anchor via scheduler run {i + 1}: rows",
                           counts == services.counts_at(1), str(counts))
            for name, (shape, size) in W3_SHAPES.items():
                for kind in self.args.w3_kinds:
                    for i in range(self.args.runs):
                        log(f"W3: trigger bench_{name}_{kind} ({i + 1})")
                        sample = airflow_stack.trigger_and_wait(af, f"bench_{name}_{kind}",
                                                                af.roots())
                        label = "EmptyOperator" if kind == "empty" else "@task no-op"
                        self.figure("W3", f"{name} (REST, scheduler)", f"airflow {label}",
                                    size).add(sample)
        finally:
            af.stop()

    def api_latency(self, api, system):
        """A client that keeps its connection (a browser, a scraper) waits this per answer."""
        for _ in range(self.args.runs):
            seconds = api.median_latency(API_LATENCY_PATH, API_LATENCY_REQUESTS)
            self.figure("API", f"kept-alive GET {API_LATENCY_PATH}, median of "
                        f"{API_LATENCY_REQUESTS}", system).add(measure.Sample(seconds, 0, 0))

    def services_sluice(self, w1_source):
        """The same through `sluice standalone` and its /api/v2, when this build has it."""
        import standalone
        folder = self.w3_dags()
        dags = os.path.join(self.work, "standalone-dags")
        os.makedirs(dags, exist_ok=True)
        for name in os.listdir(folder):
            os.replace(os.path.join(folder, name), os.path.join(dags, name))
        # The flagship without its schedule: it runs only when triggered, so a scheduled run
        # (max_active_runs: 1) does not queue the measured ones behind it.
        flagship = os.path.join(ROOT, "pipelines", f"{DAG}.yaml")
        with open(flagship) as src, open(os.path.join(dags, f"{DAG}.yaml"), "w") as dst:
            skipping = False
            for line in src:
                if line.startswith("schedule:"):
                    skipping = True
                    continue
                if skipping and (line.startswith((" ", "\t")) or not line.strip()):
                    continue
                skipping = False
                dst.write(line)
        env = self.sluice_env(w1_source, dags=dags)
        env["SLUICE_HOME"] = os.path.join(self.work, "standalone-home")
        server = standalone.Standalone(self.sluice, env, os.path.join(self.work, "logs"))
        server.start()
        try:
            time.sleep(self.args.idle_seconds)
            self.figure("idle", "memory (RSS)", "sluice standalone").add(
                measure.Sample(0, 0, measure.tree_rss_mib([server.pid])))
            self.api_latency(server.api, "sluice standalone")
            records = sum(services.counts_at(1).values())
            for i in range(self.args.runs):
                services.drop_schemas(self.pg_url, "jsonplaceholder")
                self.figure("W1", "trigger to done (REST, scheduler)", "sluice", records).add(
                    server.trigger_and_wait(DAG))
                counts = services.table_counts(self.pg_url, "jsonplaceholder")
                self.check(f"W1 sluice standalone run {i + 1}: rows",
                           counts == services.counts_at(1), str(counts))
            for name, (shape, size) in W3_SHAPES.items():
                for _ in range(self.args.runs):
                    self.figure("W3", f"{name} (REST, scheduler)", "sluice", size).add(
                        server.trigger_and_wait(f"bench_{name}"))
                if "python" not in self.args.w3_kinds:
                    continue
                for _ in range(self.args.runs):
                    self.figure("W3", f"{name} command tasks (REST, scheduler)", "sluice",
                                size).add(server.trigger_and_wait(f"bench_{name}_command"))
        finally:
            server.stop()

    def phase(self, name, function, *args):
        """Runs one workload; a failure is reported and the next workloads still run."""
        try:
            function(*args)
        except Exception as error:  # noqa: BLE001 - reported, then the exit code says it failed
            self.check(f"{name} ran to the end", False, f"{type(error).__name__}: {error}")

    def run(self):
        args = self.args
        started = time.monotonic()
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
        self.notes.append(f"load average (1, 5, 15 min) at the start: {load}; the machine is "
                          "shared, so figures move with what else runs")
        try:
            if "volume" in args.phases:
                self.phase("W1", self.volume, "W1", 1,
                           not args.smoke and 1 in args.anchor_scales)
                for scale in [] if args.smoke else args.scales:
                    self.phase(f"W2 scale {scale}", self.volume, f"W2 scale {scale}", scale,
                               scale in args.anchor_scales)
            if "services" in args.phases and not args.smoke:
                self.phase("W3 in process", self.orchestration_sluice)
                _, w1_source = self.site(1)
                if self.standalone:
                    self.phase("sluice standalone", self.services_sluice, w1_source)
                else:
                    self.notes.append("this build of sluice has no `standalone` command: the "
                                      "sluice trigger-to-done, W3 REST and idle cells are n/a")
                if not args.skip_airflow_services:
                    self.phase("Airflow services", self.services_airflow, w1_source)
        finally:
            self.nginx.stop()
        self.elapsed = time.monotonic() - started + self.resumed_seconds
        return all(ok for _, ok, _ in self.checks)


def parse_args():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="W1 at scale 1 with sluice and the limits only, one run")
    parser.add_argument("--scales", default=env("BENCH_SCALES", "100 1000"))
    parser.add_argument("--anchor-scales", default=env("BENCH_ANCHOR_SCALES", "1 100 1000"))
    parser.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "3")))
    parser.add_argument("--w3-kinds", default=env("BENCH_W3_KINDS", "empty python"))
    parser.add_argument("--idle-seconds", type=int, default=int(env("BENCH_IDLE_SECONDS", "20")))
    parser.add_argument("--skip-airflow-services", action="store_true")
    parser.add_argument("--phases", default="volume services",
                        help="volume: W1 and W2 with the limits; services: W3, trigger-to-done, idle")
    parser.add_argument("--resume-from", help="figures saved by an earlier run (<report>.json)")
    parser.add_argument("--report", help="markdown report path")
    parser.add_argument("--docs", help="update this PERFORMANCE.md's summary")
    args = parser.parse_args()
    args.scales = [int(s) for s in args.scales.split()]
    args.anchor_scales = {int(s) for s in args.anchor_scales.split()}
    args.w3_kinds = args.w3_kinds.split()
    if args.smoke:
        args.runs = 1
    return args


def main():
    args = parse_args()
    bench = Bench(args)
    ok = bench.run()
    text = report.render(bench, ROOT)
    path = args.report or os.path.join(bench.work, "smoke.md" if args.smoke else "report.md")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    bench.save_state(os.path.join(bench.work, "figures.json"))
    log(f"report: {path} (figures: {bench.work}/figures.json)")
    if args.docs:
        report.update_docs(args.docs, bench, os.path.relpath(path, os.path.dirname(args.docs)))
        log(f"summary: {args.docs}")
    failed = [what for what, passed, _ in bench.checks if not passed]
    print(f"{len(bench.checks) - len(failed)} passed, {len(failed)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
