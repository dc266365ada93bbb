import { describe, expect, it } from "vitest";
import { parseConf } from "../../src/components/dag_controls";
import { formatLog } from "../../src/components/task_log";
import { taskOutputs } from "../../src/metrics";
import { can } from "../../src/session";
import type { TaskInstance } from "../../src/api";

describe("parseConf", () => {
  it("reads an empty editor as {}", () => expect(parseConf("  ")).toEqual({ conf: {} }));
  it("accepts an object", () => expect(parseConf('{"a": 1}')).toEqual({ conf: { a: 1 } }));
  it("rejects an array and a scalar", () => {
    expect(parseConf("[1]").error).toMatch(/JSON object/);
    expect(parseConf("3").error).toMatch(/JSON object/);
  });
  it("explains bad JSON", () => expect(parseConf("{a:").error).toMatch(/not valid JSON/));
});

describe("taskOutputs", () => {
  const base: TaskInstance = { task_id: "t", dag_id: "d", dag_run_id: "r", state: "success", try_number: 1, operator: "transform" };
  it("orders records and bytes first and formats them", () => {
    const { metrics } = taskOutputs({ ...base, bytes_out: 2048, records_in: 1200, records_out: 1190, zeta: "z" });
    expect(metrics.map((m) => m.name)).toEqual(["records_in", "records_out", "bytes_out", "zeta"]);
    expect(metrics[0].value).toBe("1,200");
    expect(metrics[2].value).toBe("2.00 KiB");
  });
  it("reads sluice's outputs object and skips Airflow's own fields", () => {
    const outputs = taskOutputs({
      ...base,
      hostname: "h",
      heartbeat_at: "2025-03-15T00:00:00Z",
      outputs: {
        records_out: 5,
        items: [{ item: "users", records: 5, bytes: 900, detail: "1 part(s)" }, "junk"],
        object_keys: ["raw/a/part-00000.json", 7],
        notes: ["table users: fetched 5 = loaded 5"],
      },
    });
    expect(outputs.metrics).toEqual([{ name: "records_out", label: "Records out", value: "5" }]);
    expect(outputs.items).toEqual([{ item: "users", records: 5, bytes: 900, detail: "1 part(s)" }]);
    expect(outputs.objectKeys).toEqual(["raw/a/part-00000.json"]);
    expect(outputs.notes).toEqual(["table users: fetched 5 = loaded 5"]);
  });
});

describe("formatLog", () => {
  it("prints timestamp, level and event per line", () => {
    const text = formatLog([
      { event: "started", timestamp: "2025-03-15T00:00:00Z", level: "info" },
      { event: "no time" },
    ]);
    expect(text).toBe("[2025-03-15 00:00:00] INFO started\nno time");
  });
  it("says when the log is empty", () => expect(formatLog([])).toBe("(empty log)"));
});

describe("can", () => {
  const session = (role: "Admin" | "User" | "Viewer", permissions?: Record<string, boolean>) => ({
    csrf_token: "t",
    user: { username: "u", role },
    permissions,
  });
  it("follows the server's permissions when it sends them", () => {
    expect(can(session("Admin", { trigger: false }), "trigger")).toBe(false);
    expect(can(session("Viewer", { clear: true }), "clear")).toBe(true);
  });
  it("falls back on the role", () => {
    expect(can(session("User"), "pause")).toBe(true);
    expect(can(session("Viewer"), "trigger")).toBe(false);
    expect(can(null, "trigger")).toBe(false);
  });
});
