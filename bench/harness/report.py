"""The markdown report: every target with its measured figures, then every figure."""
import datetime
import os
import platform
import re
import subprocess

NA = "n/a"


def _fmt(value, digits=2):
    if value is None:
        return NA
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _ms(seconds):
    return NA if seconds is None else f"{seconds * 1000:.1f} ms"


def _ms3(seconds):
    return NA if seconds is None else f"{seconds * 1000:.3f} ms"


def _ratio(value):
    return NA if value is None else (f"{value:,.0f}×" if value >= 100 else f"{value:.2f}×")


def _div(a, b):
    return None if a is None or b is None or b == 0 else a / b


W1_STAGE_LIMITS = ("source: curl GET of the pages", "store: curl PUT of the pages",
                   "store: curl GET of the pages", "store: curl PUT of the clean CSVs",
                   "store: curl GET of the clean CSVs", "sink: psql \\copy of the clean CSVs")


def _sum(*values):
    return None if any(v is None for v in values) else sum(values)


def _met(ok):
    return NA if ok is None else ("met" if ok else "**not met**")


class Lookup:
    def __init__(self, bench):
        self.figures = bench.figures

    def get(self, workload, name, system, attr="wall"):
        figure = self.figures.get((workload, name, system))
        if not figure or not figure.samples:
            return None
        return getattr(figure, attr)


def target_rows(bench):
    f = Lookup(bench)
    rows = []  # (target, measured, ratio, status)
    why_standalone = "" if bench.standalone else " (no standalone in this build)"

    # W1
    s = f.get("W1", "trigger to done (REST, scheduler)", "sluice")
    a = f.get("W1", "trigger to done (REST, scheduler)", "airflow to_sql")
    r = _div(a, s)
    # The limits of the three data stages, run one after the other as the DAG
    # runs them, bound how fast any orchestrator can finish this run here.
    floor = _sum(*(f.get("W1", name, "limit") for name in W1_STAGE_LIMITS))
    best = _div(a, floor)
    floor_text = "" if best is None else (
        f"; the stages' limits alone sum to {_fmt(floor, 3)} s, at best {_ratio(best)} "
        "on this machine")
    rows.append(("W1 trigger to done ≥ 100× faster than Airflow's scheduler",
                 f"sluice {_fmt(s, 3)} s{why_standalone if s is None else ''}; Airflow {_fmt(a)} s"
                 f"{floor_text}", _ratio(r), _met(None if r is None else r >= 100)))
    s = f.get("W1", "end to end", "sluice")
    a = f.get("W1", "end to end (airflow dags test)", "airflow to_sql")
    r = _div(a, s)
    rows.append(("W1 in process ≥ 10× faster than `airflow dags test`",
                 f"`sluice run` {_fmt(s, 3)} s; `airflow dags test` {_fmt(a)} s", _ratio(r),
                 _met(None if r is None else r >= 10)))

    # W2
    w2 = sorted({w for w, _, _ in bench.figures if w.startswith("W2")},
                key=lambda w: int(w.split()[-1]))
    if ("W1", "stage raw_data_collection_task", "sluice") in bench.figures:
        rows.extend(stage_limit_rows(f, "W1"))
    for w in w2:
        records = bench.figures[(w, "end to end", "sluice")].records
        s = f.get(w, "end to end", "sluice")
        s_rss = f.get(w, "end to end", "sluice", "rss_mib")
        for system, factor in (("airflow to_sql", 10), ("airflow COPY", 3)):
            a = f.get(w, "end to end (airflow dags test)", system)
            r = _div(a, s)
            rows.append((f"{w}: records/s ≥ {factor}× the anchor ({system})",
                         f"sluice {_fmt(_div(records, s), 0)}/s; anchor "
                         f"{_fmt(_div(records, a), 0)}/s", _ratio(r),
                         _met(None if r is None else r >= factor)))
            a_rss = f.get(w, "end to end (airflow dags test)", system, "rss_mib")
            r = _div(a_rss, s_rss)
            rows.append((f"{w}: peak memory ≤ 1/10 of the anchor's ({system})",
                         f"sluice {_fmt(s_rss, 1)} MiB; anchor {_fmt(a_rss, 0)} MiB", _ratio(r),
                         _met(None if r is None else r >= 10)))
        rows.append((f"{w}: sluice peak RSS < 100 MiB", f"{_fmt(s_rss, 1)} MiB", "",
                     _met(None if s_rss is None else s_rss < 100)))
        rows.extend(stage_limit_rows(f, w))
    if len(w2) >= 2:
        lo, hi = w2[0], w2[-1]
        a, b = f.get(lo, "end to end", "sluice", "rss_mib"), f.get(hi, "end to end", "sluice", "rss_mib")
        r = _div(b, a)
        rows.append((f"sluice peak RSS flat from {lo.split()[-1]} to {hi.split()[-1]} (≤ 1.25×)",
                     f"{_fmt(a, 1)} → {_fmt(b, 1)} MiB", _ratio(r),
                     _met(None if r is None else r <= 1.25)))

    # W3
    for name, size, per in (("chain_50", 50, "step"), ("fanout_200", 200, "task")):
        s = f.get("W3", f"{name} (REST, scheduler)", "sluice")
        s_in = f.get("W3", f"{name} (in process)", "sluice")
        s_cmd = f.get("W3", f"{name} command tasks (REST, scheduler)", "sluice")
        for label in ("EmptyOperator", "@task no-op"):
            a = f.get("W3", f"{name} (REST, scheduler)", f"airflow {label}")
            if a is None and s is None and label != "EmptyOperator":
                continue
            r = _div(a, s)
            # A @task runs in a process of its own; so does a sluice command task.
            beside = ""
            if label != "EmptyOperator" and s_cmd is not None:
                per_cmd = (f"{_ms(_div(s_cmd, size))}/step" if name == "chain_50"
                           else f"{_fmt(_div(size, s_cmd), 0)} tasks/s")
                beside = f"; sluice command tasks {per_cmd} ({_ratio(_div(a, s_cmd))})"

            if name == "chain_50":
                target = f"W3 chain of 50: ≤ 5 ms per step and ≥ 200× less than Airflow ({label})"
                measured = (f"sluice {_ms(_div(s, size))}/step{why_standalone if s is None else ''}"
                            f" (in process {_ms(_div(s_in, size))}); Airflow "
                            f"{_ms(_div(a, size))}/step{beside}")
                ok = None if r is None else (r >= 200 and s / size <= 0.005)
            else:
                target = f"W3 fan-out of 200: ≥ 1,000× Airflow's tasks/s ({label})"
                measured = (f"sluice {_fmt(_div(size, s), 0)} tasks/s"
                            f"{why_standalone if s is None else ''} (in process "
                            f"{_fmt(_div(size, s_in), 0)}); Airflow {_fmt(_div(size, a), 1)} tasks/s"
                            f"{beside}")
                ok = None if r is None else r >= 1000
            rows.append((target, measured, _ratio(r), _met(ok)))

    s = f.get("idle", "memory (RSS)", "sluice standalone", "rss_mib")
    a = f.get("idle", "memory (PSS, all processes)", "airflow", "rss_mib")
    r = _div(a, s)
    rows.append(("idle: sluice standalone ≤ 20 MiB and ≥ 30× less than Airflow",
                 f"sluice {_fmt(s, 1)} MiB{why_standalone if s is None else ''}; Airflow "
                 f"{_fmt(a, 0)} MiB PSS", _ratio(r),
                 _met(None if r is None else (r >= 30 and s <= 20))))

    name = next((n for (w, n, _) in bench.figures if w == "API"), None)
    if name:
        s = f.get("API", name, "sluice standalone")
        a = f.get("API", name, "airflow api-server")
        r = _div(a, s)
        # sluice's own guard, not the stack's: an answer that waits for the client's delayed
        # ACK (Nagle's algorithm on a header and a body written apart) takes about 40 ms.
        rows.append((f"API (sluice's own target): {name} answers in ≤ 5 ms",
                     f"sluice {_ms3(s)}{why_standalone if s is None else ''}; Airflow "
                     f"api-server {_ms3(a)}", _ratio(r),
                     _met(None if s is None else s <= 0.005)))
    return rows


def stage_limit_rows(f, w):
    rows = []
    src = f.get(w, "source: curl GET of the pages", "limit")
    put = f.get(w, "store: curl PUT of the pages", "limit")
    get = f.get(w, "store: curl GET of the pages", "limit")
    cput = f.get(w, "store: curl PUT of the clean CSVs", "limit")
    cget = f.get(w, "store: curl GET of the clean CSVs", "limit")
    copy = f.get(w, "sink: psql \\copy of the clean CSVs", "limit")
    for stage, limit, what in (
            ("raw_data_collection_task", _sum(src, put), "curl GET + S3 PUT of the pages"),
            ("raw_data_processing_task", _sum(get, cput), "S3 GET of the pages + PUT of the CSVs"),
            ("load_process_data_to_postgres", _sum(cget, copy), "S3 GET of the CSVs + psql \\copy")):
        s = f.get(w, f"stage {stage}", "sluice")
        r = _div(s, limit)
        rows.append((f"{w}: {stage} within 1.5× of its limit ({what})",
                     f"sluice {_fmt(s, 3)} s; limit {_fmt(limit, 3)} s", _ratio(r),
                     _met(None if r is None else r <= 1.5)))
    s = f.get(w, "stage load_process_data_to_postgres", "sluice")
    r = _div(s, copy)
    rows.append((f"{w}: load within 1.5× of `psql \\copy` of the same rows",
                 f"sluice {_fmt(s, 3)} s; psql \\copy {_fmt(copy, 3)} s", _ratio(r),
                 _met(None if r is None else r <= 1.5)))
    return rows


def figure_rows(bench):
    rows = []
    for (workload, name, system), figure in bench.figures.items():
        if not figure.samples:
            continue
        rate = _div(figure.records, figure.wall) if figure.records and figure.wall else None
        notes = "; ".join(sorted({s.note for s in figure.samples if s.note}))
        latency_only = workload == "API"  # one answer's wall time; no CPU or memory of its own
        rows.append((workload, name, system,
                     _fmt(figure.wall, 6 if latency_only else 3) if figure.wall else "",
                     _fmt(figure.cpu, 3) if figure.wall and not latency_only else "",
                     "" if latency_only else _fmt(figure.rss_mib, 1),
                     _fmt(rate, 0) if rate else "", str(len(figure.samples)),
                     ("" if figure.ok else "**failed** ") + notes))
    return rows


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


def environment(bench, root):
    def first_line(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return NA
    commit = getattr(bench, "commit", None) or first_line(["git", "-C", root, "rev-parse",
                                                           "--short", "HEAD"])
    cpus = os.cpu_count()
    mem = NA
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    postgres = (first_line(["psql", "--version"]).split() + [NA] * 3)[2]
    built = datetime.datetime.fromtimestamp(os.stat(bench.sluice).st_mtime, datetime.timezone.utc)
    return (f"Machine: {cpus} cores, {mem} memory, {platform.platform()}; "
            f"{first_line([bench.sluice, '--version'])} built {built:%Y-%m-%d %H:%M} UTC "
            f"(checkout at commit {commit}); PostgreSQL {postgres}; Airflow 3.3.2 (pins in "
            "scripts/bench).")


REPRODUCE = """```sh
make bench                                   # everything: installs, starts services, writes the report
BENCH_SCALES="100" BENCH_RUNS=3 make bench   # fewer scales (default "100 1000"; the anchor runs
                                             # at BENCH_ANCHOR_SCALES, default "1 100 1000")
scripts/bench --smoke                        # seconds: W1 with sluice and the limits, no Airflow
```"""


def render(bench, root):
    args = bench.args
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mode = "smoke" if args.smoke else "full"
    parts = [f"# sluice beside the Airflow + pandas stack: {now}", "",
             f"Mode {mode}; medians of {args.runs} run(s); scales W2 {args.scales} (anchor at "
             f"{sorted(args.anchor_scales)}); took {bench.elapsed / 60:.1f} min.",
             "", environment(bench, root), "",
             "Every figure is wall time, CPU time (user + system of the process and its "
             "children) and peak RSS. The S3 server (versitygw), nginx and PostgreSQL run on the "
             "same 2 cores and are not counted in CPU or memory, for either side. sluice's "
             "stages are `sluice tasks run` one by one, the four of each run recorded in one "
             "run made with `sluice dags trigger`, as a scheduled run's tasks are; the anchor's "
             "come from the timestamps "
             "of its `airflow dags test` log (from the task's start to its end), with CPU and "
             "memory sampled every 0.1 s. Runs through a scheduler are timed from the POST that "
             "triggers them to the poll that sees them done; their memory is the peak of the "
             "PSS summed over all the scheduler's processes, sampled every 0.5 s. The REST "
             "client keeps its connection alive, as a browser or a `requests.Session` does; "
             "the API row times GETs one after another on that connection.", "",
             "## Targets", "",
             table(["target", "measured (medians)", "ratio", "status"], target_rows(bench)), "",
             "## Every figure", "",
             table(["workload", "figure", "system", "wall s", "CPU s", "peak RSS MiB",
                    "records (tasks)/s", "runs", "notes"], figure_rows(bench)), "",
             "## Checks", ""]
    parts += [f"- {'ok' if ok else '**FAILED**'}: {what} {detail}" for what, ok, detail in
              bench.checks]
    parts += ["", "## Notes", ""] + [f"- {n}" for n in bench.notes]
    parts += ["", "## Reproduce", "", REPRODUCE, ""]
    return "\n".join(parts)


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def update_docs(path, bench, report_rel):
    with open(path) as f:
        text = f.read()
    section = "\n".join([
        BEGIN, "## sluice beside the Airflow + pandas stack", "",
        "The flagship pipeline in sluice and the same DAG written the classic way (Airflow "
        f"3.3.2 with the LocalExecutor, requests, the minio client, pandas `json_normalize`, "
        "`to_sql` or COPY, in [bench/anchors/airflow](../bench/anchors/airflow)), on the same "
        "source (static pages served by nginx), the same S3 server and the same PostgreSQL, "
        "beside the limits measured on the same bytes (curl, `curl --aws-sigv4`, `psql \\copy`, "
        f"`cat`). Full figures: [{os.path.basename(report_rel)}]({report_rel}).", "",
        REPRODUCE, "",
        table(["target", "measured (medians)", "ratio", "status"], target_rows(bench)), "",
        END])
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, text,
                      flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)
