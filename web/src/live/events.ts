/**
 * The live events the server pushes over `/api/v1/ws`, and how each one changes what the
 * query cache holds. Results and status changes arrive in bursts (thousands a second on a
 * large install), so they are collected and applied once per flush: the newest state per
 * monitor patches the cached lists and details in one pass, and anything that counts
 * (summary, incident and alert lists) is invalidated at most once per flush.
 */
import type { QueryClient } from "@tanstack/react-query";
import { alertKeys } from "@/queries/alerts";
import { incidentKeys } from "@/queries/incidents";
import { addSnapshots, asSnapshot, type Snapshot } from "@/lib/metrics";
import { liveMetricsKey, monitorKeys, type MonitorKind, type MonitorStatus } from "@/queries/monitors";
import { summaryKeys } from "@/queries/summary";

export type LiveEvent =
  | {
      event: "result";
      monitor_id: string;
      kind: MonitorKind;
      group: string | null;
      checked_at: string;
      status: "up" | "down";
      response_ms: number | null;
      message: string;
    }
  | {
      event: "status";
      monitor_id: string;
      kind: MonitorKind;
      group: string | null;
      status: MonitorStatus;
      previous: MonitorStatus;
      at: string;
      message: string;
    }
  | { event: "metrics"; monitor_id: string; group: string | null; snapshot: unknown }
  | {
      event: "incident";
      action: "opened" | "acknowledged" | "resolved";
      incident_id: string;
      monitor_id: string;
      kind: MonitorKind;
      group: string | null;
      at: string;
    }
  | {
      event: "alert";
      action: "firing" | "acknowledged" | "resolved";
      alert_id: string;
      rule_id: string;
      monitor_id: string;
      kind: MonitorKind;
      group: string | null;
      at: string;
    }
  | { event: "lagged"; missed: number };

/** Parses one message; anything unknown is ignored (a newer server may say more). */
export function parseEvent(text: string): LiveEvent | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && typeof (value as { event?: unknown }).event === "string") {
      return value as LiveEvent;
    }
  } catch {
    // Not JSON: ignore.
  }
  return null;
}

/** A monitor's state as a list or detail holds it. */
export interface StatePatch {
  status?: MonitorStatus;
  status_since?: string;
  last_checked_at?: string;
  last_response_ms?: number | null;
  message?: string;
}

interface HasState {
  id: string;
  state: Record<string, unknown> & { status?: string };
}

function patchItem<T extends HasState>(item: T, patches: Map<string, StatePatch>): T {
  const patch = patches.get(item.id);
  if (!patch) return item;
  return { ...item, state: { ...item.state, ...patch } };
}

function isPage(value: unknown): value is { items: HasState[] } {
  return typeof value === "object" && value !== null && Array.isArray((value as { items?: unknown }).items);
}

function isMonitor(value: unknown): value is HasState {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string" &&
    typeof (value as { state?: unknown }).state === "object"
  );
}

function listFiltersByStatus(key: readonly unknown[]): boolean {
  const params = key[key.length - 1];
  return typeof params === "object" && params !== null && Boolean((params as { status?: unknown }).status);
}

/** How often at most an open monitor's history is refetched for its new results. */
export const HISTORY_MS = 3000;

/** Collects events and applies them to the cache in batches. */
export class LiveCache {
  private patches = new Map<MonitorKind, Map<string, StatePatch>>();
  private invalidate = new Set<"summary" | "incidents" | "alerts" | "everything" | MonitorKind>();
  /** Snapshots for the instances whose live metrics are shown (cached), by instance. */
  private snapshots = new Map<string, Snapshot[]>();
  private scheduled: unknown = null;
  /** Instances whose details (enrollment, agent revision) are to be refetched. */
  private refetchDetails = new Set<string>();
  /** Monitors with new results whose history (stats, series, results) is to be refetched. */
  private history = new Map<string, MonitorKind>();
  /** When each monitor's history was last refetched, to do it at most once per HISTORY_MS. */
  private historyAt = new Map<string, number>();

  constructor(
    private readonly client: QueryClient,
    private readonly schedule: (fn: () => void) => unknown = (fn) => setTimeout(fn, 500),
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one event; the cache changes at the next flush. */
  push(event: LiveEvent): void {
    switch (event.event) {
      case "result": {
        const patch = this.patchFor(event.kind, event.monitor_id);
        patch.last_checked_at = event.checked_at;
        patch.last_response_ms = event.response_ms;
        patch.message = event.message;
        // An open detail page shows this monitor's history: refetch it (throttled).
        if (
          this.client.getQueryCache().findAll({ queryKey: monitorKeys(event.kind).history(event.monitor_id), type: "active" })
            .length > 0
        ) {
          this.history.set(event.monitor_id, event.kind);
        }
        break;
      }
      case "status": {
        const patch = this.patchFor(event.kind, event.monitor_id);
        patch.status = event.status;
        patch.status_since = event.at;
        patch.message = event.message;
        this.invalidate.add("summary");
        // A list filtered by status may gain or lose this monitor.
        this.invalidate.add(event.kind);
        // An instance's first report also enrolls it and may bring its agent's revision.
        if (event.kind === "instance") this.refetchDetails.add(event.monitor_id);
        break;
      }
      case "incident":
        this.invalidate.add("incidents");
        this.invalidate.add("summary");
        break;
      case "alert":
        this.invalidate.add("alerts");
        this.invalidate.add("summary");
        break;
      case "lagged":
        this.invalidate.add("everything");
        break;
      case "metrics": {
        // Only an instance whose page holds its live snapshots wants them.
        if (this.client.getQueryData(liveMetricsKey(event.monitor_id)) === undefined) return;
        const snapshot = asSnapshot(event.snapshot);
        if (!snapshot) return;
        const list = this.snapshots.get(event.monitor_id) ?? [];
        list.push(snapshot);
        this.snapshots.set(event.monitor_id, list);
        break;
      }
    }
    this.later();
  }

  private later(): void {
    if (this.scheduled === null) {
      this.scheduled = this.schedule(() => {
        this.scheduled = null;
        this.flush();
      });
    }
  }

  /** Applies everything collected so far. */
  flush(): void {
    const patches = this.patches;
    const invalidate = this.invalidate;
    const snapshots = this.snapshots;
    this.patches = new Map();
    this.invalidate = new Set();
    this.snapshots = new Map();
    if (invalidate.has("everything")) {
      this.history.clear();
      void this.client.invalidateQueries();
      return;
    }
    for (const [kind, byId] of patches) {
      const keys = monitorKeys(kind);
      this.client.setQueriesData({ queryKey: keys.lists() }, (old: unknown) =>
        isPage(old) && old.items.some((item) => byId.has(item.id))
          ? { ...old, items: old.items.map((item) => patchItem(item, byId)) }
          : old,
      );
      for (const [id] of byId) {
        this.client.setQueryData(keys.detail(id), (old: unknown) => (isMonitor(old) ? patchItem(old, byId) : old));
      }
    }
    this.refetchHistory();
    for (const [id, list] of snapshots) {
      this.client.setQueryData<Snapshot[]>(liveMetricsKey(id), (old) => (old ? addSnapshots(old, list) : old));
    }
    if (invalidate.has("summary")) void this.client.invalidateQueries({ queryKey: summaryKeys.all });
    if (invalidate.has("incidents")) void this.client.invalidateQueries({ queryKey: incidentKeys.all });
    if (invalidate.has("alerts")) void this.client.invalidateQueries({ queryKey: alertKeys.all });
    const details = this.refetchDetails;
    this.refetchDetails = new Set();
    for (const id of details) void this.client.invalidateQueries({ queryKey: monitorKeys("instance").detail(id) });
    for (const kind of ["service", "domain", "instance"] as const) {
      if (invalidate.has(kind)) {
        // Only lists filtered by status can gain or lose a monitor; the rest were patched.
        void this.client.invalidateQueries({
          queryKey: monitorKeys(kind).lists(),
          predicate: (query) => listFiltersByStatus(query.queryKey),
        });
      }
    }
  }

  /**
   * Refetches the shown history of monitors with new results, each at most once per
   * HISTORY_MS; one whose turn has not come stays pending for a later flush.
   */
  private refetchHistory(): void {
    const now = this.now();
    for (const [id, kind] of this.history) {
      if (now - (this.historyAt.get(id) ?? -Infinity) < HISTORY_MS) continue;
      this.history.delete(id);
      this.historyAt.set(id, now);
      void this.client.invalidateQueries({
        queryKey: monitorKeys(kind).history(id),
        // Live snapshots are appended by metrics events, not fetched.
        predicate: (query) => query.queryKey[query.queryKey.length - 1] !== "live",
      });
    }
    if (this.history.size > 0) this.later();
  }

  private patchFor(kind: MonitorKind, id: string): StatePatch {
    let byId = this.patches.get(kind);
    if (!byId) {
      byId = new Map();
      this.patches.set(kind, byId);
    }
    let patch = byId.get(id);
    if (!patch) {
      patch = {};
      byId.set(id, patch);
    }
    return patch;
  }
}
