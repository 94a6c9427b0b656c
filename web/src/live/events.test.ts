import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { liveMetricsKey, monitorKeys } from "@/queries/monitors";
import { summaryKeys } from "@/queries/summary";
import { alertKeys } from "@/queries/alerts";
import { incidentKeys } from "@/queries/incidents";
import { backoffMs } from "./connection";
import { HISTORY_MS, LiveCache, parseEvent } from "./events";

const keys = monitorKeys("service");

function service(id: string, status = "up") {
  return { id, name: id, state: { status, last_checked_at: null, last_response_ms: null, message: null } };
}

function setup() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  let flush: (() => void) | null = null;
  const cache = new LiveCache(client, (fn) => (flush = fn));
  return { client, cache, flush: () => flush?.() };
}

describe("live events", () => {
  it("parses known shapes and ignores anything else", () => {
    expect(parseEvent('{"event":"lagged","missed":3}')).toEqual({ event: "lagged", missed: 3 });
    expect(parseEvent("not json")).toBeNull();
    expect(parseEvent('{"no":"event"}')).toBeNull();
  });

  it("patches the newest state into cached lists and details in one flush", () => {
    const { client, cache, flush } = setup();
    const page = { items: [service("a"), service("b")], total: 2, page: 1, per_page: 50 };
    client.setQueryData(keys.list({ page: 1, per_page: 50 }), page);
    client.setQueryData(keys.detail("b"), service("b"));
    cache.push({
      event: "result",
      monitor_id: "b",
      kind: "service",
      group: null,
      checked_at: "2026-01-01T00:00:01Z",
      status: "down",
      response_ms: 12,
      message: "first",
    });
    cache.push({
      event: "status",
      monitor_id: "b",
      kind: "service",
      group: null,
      status: "down",
      previous: "up",
      at: "2026-01-01T00:00:02Z",
      message: "refused",
    });
    cache.push({
      event: "result",
      monitor_id: "b",
      kind: "service",
      group: null,
      checked_at: "2026-01-01T00:00:03Z",
      status: "down",
      response_ms: 15,
      message: "refused again",
    });
    // Nothing changes before the flush.
    expect(client.getQueryData<typeof page>(keys.list({ page: 1, per_page: 50 }))!.items[1]!.state.status).toBe("up");
    flush();
    const list = client.getQueryData<typeof page>(keys.list({ page: 1, per_page: 50 }))!;
    expect(list.items[0]).toBe(page.items[0]);
    expect(list.items[1]!.state).toEqual({
      status: "down",
      status_since: "2026-01-01T00:00:02Z",
      last_checked_at: "2026-01-01T00:00:03Z",
      last_response_ms: 15,
      message: "refused again",
    });
    expect(client.getQueryData<ReturnType<typeof service>>(keys.detail("b"))!.state.status).toBe("down");
  });

  it("invalidates the summary on status changes, incidents and alerts; everything when lagged", () => {
    const { client, cache, flush } = setup();
    const spy = vi.spyOn(client, "invalidateQueries");
    cache.push({ event: "incident", action: "opened", incident_id: "i", monitor_id: "a", kind: "service", group: null, at: "" });
    cache.push({
      event: "alert",
      action: "firing",
      alert_id: "x",
      rule_id: "r",
      monitor_id: "a",
      kind: "service",
      group: null,
      at: "",
    });
    flush();
    const invalidated = spy.mock.calls.map((c) => JSON.stringify(c[0]?.queryKey));
    expect(invalidated).toContain(JSON.stringify(summaryKeys.all));
    expect(invalidated).toContain(JSON.stringify(incidentKeys.all));
    expect(invalidated).toContain(JSON.stringify(alertKeys.all));
    spy.mockClear();
    cache.push({ event: "lagged", missed: 10 });
    flush();
    expect(spy).toHaveBeenCalledWith();
  });

  it("appends metrics snapshots only for an instance whose live snapshots are shown", () => {
    const { client, cache, flush } = setup();
    const snapshot = (at: string) => ({
      timestamp: at,
      uptime_s: 1,
      cpu: { usage_pct: 5, per_core_pct: [5], load: [0, 0, 0] },
      memory: { total_bytes: 1, used_bytes: 1, used_pct: 100, swap_total_bytes: 0, swap_used_bytes: 0 },
    });
    client.setQueryData(liveMetricsKey("shown"), [snapshot("2026-01-01T00:00:00Z")]);
    cache.push({ event: "metrics", monitor_id: "shown", group: null, snapshot: snapshot("2026-01-01T00:00:10Z") });
    cache.push({ event: "metrics", monitor_id: "shown", group: null, snapshot: { not: "a snapshot" } });
    cache.push({ event: "metrics", monitor_id: "hidden", group: null, snapshot: snapshot("2026-01-01T00:00:10Z") });
    flush();
    const shown = client.getQueryData<{ timestamp: string }[]>(liveMetricsKey("shown"))!;
    expect(shown.map((s) => s.timestamp)).toEqual(["2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"]);
    expect(client.getQueryData(liveMetricsKey("hidden"))).toBeUndefined();
  });

  it("refetches an open monitor's history on new results, at most once per interval", () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let flush: (() => void) | null = null;
    let now = 10_000;
    const cache = new LiveCache(
      client,
      (fn) => (flush = fn),
      () => now,
    );
    const fetches: string[] = [];
    const observer = new QueryObserver(client, {
      queryKey: keys.results("open"),
      queryFn: () => {
        fetches.push("open");
        return [];
      },
    });
    const unsubscribe = observer.subscribe(() => {});
    fetches.length = 0;
    const result = (id: string) =>
      cache.push({
        event: "result",
        monitor_id: id,
        kind: "service",
        group: null,
        checked_at: "2026-01-01T00:00:01Z",
        status: "up",
        response_ms: 1,
        message: "",
      });
    const spy = vi.spyOn(client, "invalidateQueries");
    result("open");
    result("closed");
    flush!();
    expect(spy.mock.calls.map((c) => JSON.stringify(c[0]?.queryKey))).toEqual([JSON.stringify(keys.history("open"))]);
    spy.mockClear();
    now += 1000;
    result("open");
    flush!();
    expect(spy).not.toHaveBeenCalled();
    now += HISTORY_MS;
    flush!();
    expect(spy).toHaveBeenCalledTimes(1);
    unsubscribe();
  });

  it("refetches an instance's details when its status changes (enrollment, agent revision)", () => {
    const { client, cache, flush } = setup();
    const spy = vi.spyOn(client, "invalidateQueries");
    cache.push({
      event: "status",
      monitor_id: "host",
      kind: "instance",
      group: null,
      status: "up",
      previous: "pending",
      at: "2026-01-01T00:00:02Z",
      message: "",
    });
    flush();
    const invalidated = spy.mock.calls.map((c) => JSON.stringify(c[0]?.queryKey));
    expect(invalidated).toContain(JSON.stringify(monitorKeys("instance").detail("host")));
  });

  it("backs off from 1 s to 30 s with jitter", () => {
    expect(backoffMs(0, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(8000);
    expect(backoffMs(10, () => 0.5)).toBe(30_000);
    expect(backoffMs(0, () => 0)).toBe(800);
    expect(backoffMs(0, () => 1)).toBe(1200);
  });
});
