import { describe, expect, it } from "vitest";
import { durationBetween, formatBytes, formatDate, formatDuration, humanize, isActive, isFinished, stateColor } from "../../src/format";

describe("formatDuration", () => {
  const cases: [number | null, string][] = [
    [null, "—"],
    [0.42, "0.42s"],
    [12.34, "12.3s"],
    [245, "4m 05s"],
    [7380, "2h 03m"],
    [200000, "2d 7h"],
    [-3, "0.00s"],
  ];
  for (const [seconds, want] of cases) it(`${seconds} -> ${want}`, () => expect(formatDuration(seconds)).toBe(want));
});

describe("formatBytes", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.50 KiB"],
    [10 * 1024 * 1024, "10.0 MiB"],
  ];
  for (const [bytes, want] of cases) it(`${bytes} -> ${want}`, () => expect(formatBytes(bytes)).toBe(want));
});

describe("formatDate", () => {
  it("shows UTC whatever the offset given", () => {
    expect(formatDate("2025-03-15T08:30:05+02:00")).toBe("2025-03-15 06:30:05 UTC");
  });
  it("keeps text that is not a date", () => expect(formatDate("soon")).toBe("soon"));
  it("shows a dash for nothing", () => expect(formatDate(null)).toBe("—"));
});

describe("states", () => {
  it("colours known states and falls back for unknown ones", () => {
    expect(stateColor("success")).not.toBe(stateColor("failed"));
    expect(stateColor("SUCCESS")).toBe(stateColor("success"));
    expect(stateColor(null)).toBe(stateColor("no_such_state"));
  });
  it("tells finished from active", () => {
    expect(isFinished("success")).toBe(true);
    expect(isActive("success")).toBe(false);
    expect(isActive("running")).toBe(true);
    expect(isFinished(null)).toBe(false);
  });
});

describe("durationBetween", () => {
  it("counts to now while running", () => {
    const now = Date.parse("2025-03-15T00:01:00Z");
    expect(durationBetween("2025-03-15T00:00:00Z", null, now)).toBe(60);
    expect(durationBetween(null, null, now)).toBeNull();
  });
});

it("humanize", () => expect(humanize("records_out")).toBe("Records out"));
