import { describe, expect, it } from "vitest";
import { parentPrefix, parseRoute, routeHref, type Route } from "../../src/router";

describe("routes", () => {
  const cases: [string, Route][] = [
    ["", { page: "dags" }],
    ["#/dags", { page: "dags" }],
    ["#/dags/my%20dag", { page: "dag", dagId: "my dag", runId: undefined, taskId: undefined, tab: undefined }],
    [
      "#/dags/d?run=manual__2025-03-15T00%3A00%3A00%2B00%3A00&task=t1",
      { page: "dag", dagId: "d", runId: "manual__2025-03-15T00:00:00+00:00", taskId: "t1", tab: undefined },
    ],
    ["#/dags/d/lineage?run=r1", { page: "lineage", dagId: "d", runId: "r1" }],
    ["#/lake", { page: "lake", prefix: "", key: undefined }],
    [
      "#/lake?prefix=raw%2Fjsonplaceholder%2Fusers%2F&key=raw%2Fjsonplaceholder%2Fusers%2Fa.json",
      { page: "lake", prefix: "raw/jsonplaceholder/users/", key: "raw/jsonplaceholder/users/a.json" },
    ],
    ["#/nowhere", { page: "notFound", path: "/nowhere" }],
  ];
  for (const [hash, want] of cases) {
    it(`parses ${hash || "(empty)"}`, () => expect(parseRoute(hash)).toEqual(want));
  }

  it("round-trips every route through its href", () => {
    for (const [, route] of cases) expect(parseRoute(routeHref(route))).toEqual(route);
  });

  it("names the prefix a lake key sits under", () => {
    expect(parentPrefix("raw/a/b/part-00000.json")).toBe("raw/a/b/");
    expect(parentPrefix("top")).toBe("");
  });
});
