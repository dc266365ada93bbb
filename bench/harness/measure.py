"""Wall time, CPU time and peak memory of commands and of process trees, from
the kernel's own accounting (GNU time's wait4 rusage, /proc), with the standard library only."""
import os
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Sample:
    wall: float          # seconds
    cpu: float           # user + system seconds of the process and its waited-for children
    rss_mib: float       # peak resident set size, MiB
    ok: bool = True
    note: str = ""


@dataclass
class Figure:
    """The median of several samples of one measurement."""
    samples: list = field(default_factory=list)
    records: int = 0
    byte_count: int = 0

    def add(self, sample):
        self.samples.append(sample)

    @property
    def ok(self):
        return bool(self.samples) and all(s.ok for s in self.samples)

    def median(self, attr):
        values = [getattr(s, attr) for s in self.samples if s.ok]
        return statistics.median(values) if values else None

    @property
    def wall(self):
        return self.median("wall")

    @property
    def cpu(self):
        return self.median("cpu")

    @property
    def rss_mib(self):
        return self.median("rss_mib")


class CommandFailed(RuntimeError):
    pass


TIME = "/usr/bin/time"


def run(argv, env=None, log_path=None, cwd=None, stdin_data=None, check=True, timeout=None):
    """Runs argv to completion under GNU time, which reports the command's own peak RSS (a
    child forked from this Python process would inherit its high-water mark) and CPU time."""
    fd, usage_path = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        start = time.monotonic()
        process = subprocess.Popen([TIME, "-q", "-f", "%U %S %M", "-o", usage_path, *map(str, argv)],
                                   env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.PIPE if stdin_data is not None else None)
        if stdin_data is not None:
            process.stdin.write(stdin_data.encode())
            process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        wall = time.monotonic() - start
        with open(usage_path) as f:
            fields = (f.read().split() or ["0", "0", "0"])[-3:]
    finally:
        os.remove(usage_path)
        if log_path:
            log.close()
    user, system, max_kib = float(fields[0]), float(fields[1]), float(fields[2])
    sample = Sample(wall, user + system, max_kib / 1024.0, ok=process.returncode == 0)
    if not sample.ok:
        sample.note = f"exit {process.returncode}"
        if check:
            tail = ""
            if log_path and os.path.exists(log_path):
                with open(log_path, "rb") as f:
                    tail = f.read()[-2000:].decode(errors="replace")
            raise CommandFailed(f"{' '.join(map(str, argv))} exited {process.returncode}"
                                f" (log: {log_path}):\n{tail}")
    return sample


# --- process trees -----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is state (field 3): ppid 4, utime 14, stime 15, cutime 16, cstime 17
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def process_tree(roots):
    """The pids of roots and all their descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, _ = _stat(int(entry))
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, stack = [], [r for r in roots if os.path.exists(f"/proc/{r}")]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def tree_cpu(roots):
    """CPU seconds of the tree, reaped children included (cutime/cstime)."""
    total = 0
    for pid in process_tree(roots):
        try:
            total += _stat(pid)[1]
        except (OSError, IndexError, ValueError):
            pass
    return total / _TICK


def tree_rss_mib(roots):
    total = 0
    for pid in process_tree(roots):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total / 2**20


def tree_pss_mib(roots):
    """(proportional set size summed over the tree in MiB, number of processes)."""
    total, count = 0, 0
    for pid in process_tree(roots):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            pass
    return total / 1024.0, count


class TreeWatch:
    """Samples the memory of a process tree while a block runs (RSS summed, or PSS summed for
    trees of many processes that share pages); CPU from /proc deltas."""

    def __init__(self, roots, interval=0.1, pss=False):
        self.roots, self.interval, self.pss = roots, interval, pss
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self):
        self.cpu0 = tree_cpu(self.roots)
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while not self._stop.is_set():
            memory = tree_pss_mib(self.roots)[0] if self.pss else tree_rss_mib(self.roots)
            self.peak = max(self.peak, memory)
            self._stop.wait(self.interval)

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.t0
        self._stop.set()
        self.thread.join()
        self.cpu = tree_cpu(self.roots) - self.cpu0
        return False

    def sample(self, ok=True):
        return Sample(self.wall, self.cpu, self.peak, ok=ok)
