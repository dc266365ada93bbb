import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, describeErrorBody, getSession, isSessionLost, listDags, setCsrfToken, setPaused, setUnauthorizedHandler } from "../../src/api";

describe("describeErrorBody", () => {
  it("reads Airflow's string detail", () => expect(describeErrorBody({ detail: "Forbidden" }, "")).toBe("Forbidden"));
  it("reads validation errors with their location", () => {
    const body = { detail: [{ loc: ["body", "logical_date"], msg: "Field required", type: "missing" }] };
    expect(describeErrorBody(body, "")).toBe("body.logical_date: Field required");
  });
  it("reads an object detail with a reason", () =>
    expect(describeErrorBody({ detail: { reason: "already exists", statement: "x" } }, "")).toBe("already exists"));
  it("falls back to the status text", () => expect(describeErrorBody(undefined, "Bad Gateway")).toBe("Bad Gateway"));
});

// The client's own behaviour with a recorded fetch: which headers it sends and
// what it does with an answer. The server itself is exercised by the browser tests.
function recordFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? "" : JSON.stringify(body), { status, statusText: "status" });
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
  setUnauthorizedHandler(null);
});

describe("request", () => {
  it("sends the CSRF token on a state-changing request only", async () => {
    setCsrfToken("tok");
    const calls = recordFetch(200, { dag_id: "d", is_paused: true });
    await setPaused("d", true);
    const headers = calls[0].init.headers as Record<string, string>;
    expect(calls[0].init.method).toBe("PATCH");
    expect(headers["X-CSRF-Token"]).toBe("tok");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ is_paused: true });
    const getCalls = recordFetch(200, { dags: [] });
    await listDags();
    expect((getCalls[0].init.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
  });

  it("turns an error answer into a readable ApiError and reports a lost session", async () => {
    let lost = 0;
    setUnauthorizedHandler(() => ++lost);
    recordFetch(401, { detail: "Not authenticated" });
    const error = await listDags().catch((caught) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.message).toBe("List DAGs: Not authenticated (HTTP 401)");
    expect(lost).toBe(1);
  });

  it("says when the server does not answer", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    const error = await listDags().catch((caught) => caught);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/did not answer/);
  });

  it("reads no session as null, not as an error", async () => {
    recordFetch(401, { detail: "Not authenticated" });
    expect(await getSession()).toBeNull();
  });
});

describe("isSessionLost", () => {
  it("knows a missing and an invalid session from a refused action", () => {
    expect(isSessionLost(401, "Not authenticated")).toBe(true);
    expect(isSessionLost(403, "Invalid JWT token or session")).toBe(true);
    expect(isSessionLost(403, "Forbidden")).toBe(false);
    expect(isSessionLost(403, "CSRF token missing or incorrect")).toBe(false);
  });
});
