/**
 * Query keys shared by the three kinds of monitor, so live events can patch whichever
 * lists and details are cached without knowing which page asked for them.
 */
export type MonitorKind = "service" | "domain" | "instance";
export type MonitorStatus = "pending" | "up" | "down" | "paused" | "maintenance";

export const MONITOR_STATUSES: readonly MonitorStatus[] = ["up", "down", "pending", "maintenance", "paused"];

/** Filters and paging of a monitor list, exactly as sent to the server. */
export interface MonitorListParams {
  page: number;
  per_page: number;
  sort?: string;
  q?: string;
  group?: string;
  status?: MonitorStatus;
  type?: string;
}

export function monitorKeys(kind: MonitorKind) {
  const all = ["monitors", kind] as const;
  return {
    all,
    lists: () => [...all, "list"] as const,
    list: (params: MonitorListParams) => [...all, "list", params] as const,
    details: () => [...all, "detail"] as const,
    detail: (id: string) => [...all, "detail", id] as const,
    /** History of one monitor (stats, series, uptime, results): not patched by live events. */
    history: (id: string) => [...all, "history", id] as const,
    stats: (id: string, window: string) => [...all, "history", id, "stats", window] as const,
    series: (id: string, range: string) => [...all, "history", id, "series", range] as const,
    uptime: (id: string, days: number) => [...all, "history", id, "uptime", days] as const,
    results: (id: string) => [...all, "history", id, "results"] as const,
  };
}

/**
 * The snapshots of one instance seen since its page opened: live `metrics` events append
 * to it while it is cached (see `useInstanceLive`).
 */
export function liveMetricsKey(id: string) {
  return [...monitorKeys("instance").history(id), "live"] as const;
}
