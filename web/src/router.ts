// Routes live in the URL's hash (#/dags/ID?run=R), so the server serves one page
// for every route and a reload or a shared link opens the same view.
import { useEffect, useState } from "react";

export type Route =
  | { page: "dags" }
  | { page: "dag"; dagId: string; runId?: string; taskId?: string; tab?: string }
  | { page: "lineage"; dagId: string; runId?: string }
  | { page: "lake"; prefix: string; key?: string }
  | { page: "notFound"; path: string };

function segments(path: string): string[] {
  return path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => decodeURIComponent(part));
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/dags";
  const [path, query = ""] = raw.split("?", 2);
  const params = new URLSearchParams(query);
  const parts = segments(path);
  const opt = (name: string) => params.get(name) ?? undefined;
  if (parts.length === 0 || (parts[0] === "dags" && parts.length === 1)) return { page: "dags" };
  if (parts[0] === "dags" && parts.length === 2) {
    return { page: "dag", dagId: parts[1], runId: opt("run"), taskId: opt("task"), tab: opt("tab") };
  }
  if (parts[0] === "dags" && parts.length === 3 && parts[2] === "lineage") {
    return { page: "lineage", dagId: parts[1], runId: opt("run") };
  }
  if (parts[0] === "lake" && parts.length === 1) {
    return { page: "lake", prefix: opt("prefix") ?? "", key: opt("key") };
  }
  return { page: "notFound", path };
}

export function routeHref(route: Route): string {
  const query = (entries: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(entries)) if (value) params.set(name, value);
    const text = params.toString();
    return text ? `?${text}` : "";
  };
  const enc = encodeURIComponent;
  switch (route.page) {
    case "dags":
      return "#/dags";
    case "dag":
      return `#/dags/${enc(route.dagId)}${query({ run: route.runId, task: route.taskId, tab: route.tab })}`;
    case "lineage":
      return `#/dags/${enc(route.dagId)}/lineage${query({ run: route.runId })}`;
    case "lake":
      return `#/lake${query({ prefix: route.prefix, key: route.key })}`;
    case "notFound":
      return `#${route.path}`;
  }
}

export function navigate(route: Route, replace = false): void {
  const href = routeHref(route);
  if (replace) window.history.replaceState(null, "", href);
  else window.location.hash = href;
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}

/** "raw/a/b/part.json" -> "raw/a/b/": the prefix a lake key sits under. */
export function parentPrefix(key: string): string {
  return key.slice(0, key.lastIndexOf("/") + 1);
}
