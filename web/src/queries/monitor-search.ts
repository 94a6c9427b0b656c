/**
 * Finding monitors by name for pickers: one short page of the server's list at a time
 * (`q` searches on the server), and the names of the few already chosen.
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { MonitorKind } from "./monitors";

const LIST_PATH = {
  service: "/api/v1/services",
  domain: "/api/v1/domains",
  instance: "/api/v1/instances",
} as const;

export interface MonitorHit {
  id: string;
  name: string;
  group?: string | null;
}

/** The first `perPage` monitors of `kind` whose name matches `q` (all, by name, when empty). */
export function useMonitorSearch(kind: MonitorKind, q: string, perPage = 8) {
  return useQuery({
    queryKey: ["monitor-picker", kind, q, perPage],
    queryFn: async ({ signal }): Promise<{ items: MonitorHit[]; total: number }> => {
      const query = { page: 1, per_page: perPage, sort: "name", ...(q ? { q } : {}) };
      const page =
        kind === "service"
          ? await unwrap(api.GET(LIST_PATH.service, { params: { query }, signal }))
          : kind === "domain"
            ? await unwrap(api.GET(LIST_PATH.domain, { params: { query }, signal }))
            : await unwrap(api.GET(LIST_PATH.instance, { params: { query }, signal }));
      return {
        items: page.items.map((m: { id: string; name: string; group?: string | null }) => ({
          id: m.id,
          name: m.name,
          group: m.group ?? null,
        })),
        total: page.total,
      };
    },
    staleTime: 30_000,
  });
}

/** The names of chosen monitors (few: one request each, cached). */
export function useMonitorNames(kind: MonitorKind, ids: readonly string[]): Map<string, string | undefined> {
  const results = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["monitor-picker", kind, "name", id],
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        const params = { params: { path: { id } }, signal };
        const monitor =
          kind === "service"
            ? await unwrap(api.GET("/api/v1/services/{id}", params))
            : kind === "domain"
              ? await unwrap(api.GET("/api/v1/domains/{id}", params))
              : await unwrap(api.GET("/api/v1/instances/{id}", params));
        return monitor.name;
      },
      staleTime: 5 * 60_000,
      retry: false,
    })),
  });
  return new Map(ids.map((id, i) => [id, results[i]?.data]));
}
