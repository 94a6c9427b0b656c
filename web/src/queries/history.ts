/**
 * The history every kind of monitor shares (statistics, response-time series, daily
 * uptime, raw results), asked of `/{services|domains|instances}/{id}/...` by kind, under
 * the keys of `monitorKeys(kind)` so live events and mutations reach them the same way.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { StatsWindow } from "@/api/types";
import { monitorKeys, type MonitorKind } from "./monitors";

async function statsCall(kind: MonitorKind, id: string, window: StatsWindow, signal: AbortSignal) {
  const init = { params: { path: { id }, query: { window } }, signal };
  switch (kind) {
    case "service":
      return api.GET("/api/v1/services/{id}/stats", init);
    case "domain":
      return api.GET("/api/v1/domains/{id}/stats", init);
    case "instance":
      return api.GET("/api/v1/instances/{id}/stats", init);
  }
}

async function uptimeCall(kind: MonitorKind, id: string, days: number, signal: AbortSignal) {
  const init = { params: { path: { id }, query: { days } }, signal };
  switch (kind) {
    case "service":
      return api.GET("/api/v1/services/{id}/uptime", init);
    case "domain":
      return api.GET("/api/v1/domains/{id}/uptime", init);
    case "instance":
      return api.GET("/api/v1/instances/{id}/uptime", init);
  }
}

async function resultsCall(
  kind: MonitorKind,
  id: string,
  query: { from: string; to?: string; limit: number },
  signal: AbortSignal,
) {
  const init = { params: { path: { id }, query }, signal };
  switch (kind) {
    case "service":
      return api.GET("/api/v1/services/{id}/results", init);
    case "domain":
      return api.GET("/api/v1/domains/{id}/results", init);
    case "instance":
      return api.GET("/api/v1/instances/{id}/results", init);
  }
}

/** Kinds with a response-time series (instances chart their metrics instead). */
export type SeriesKind = Exclude<MonitorKind, "instance">;

async function seriesCall(kind: SeriesKind, id: string, query: { from: string; to: string }, signal: AbortSignal) {
  const init = { params: { path: { id }, query }, signal };
  return kind === "service" ? api.GET("/api/v1/services/{id}/series", init) : api.GET("/api/v1/domains/{id}/series", init);
}

export function useMonitorStats(kind: MonitorKind, id: string, window: StatsWindow) {
  return useQuery({
    queryKey: monitorKeys(kind).stats(id, window),
    queryFn: ({ signal }) => unwrap(statsCall(kind, id, window, signal)),
    refetchInterval: 60_000,
  });
}

/** The series of the last `rangeS` seconds, read up to now each time it loads. */
export function useMonitorSeries(kind: SeriesKind, id: string, rangeS: number) {
  return useQuery({
    queryKey: monitorKeys(kind).series(id, String(rangeS)),
    queryFn: ({ signal }) => {
      const to = new Date();
      const from = new Date(to.getTime() - rangeS * 1000);
      return unwrap(seriesCall(kind, id, { from: from.toISOString(), to: to.toISOString() }, signal));
    },
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

export function useMonitorUptime(kind: MonitorKind, id: string, days: number) {
  return useQuery({
    queryKey: monitorKeys(kind).uptime(id, days),
    queryFn: ({ signal }) => unwrap(uptimeCall(kind, id, days, signal)),
    staleTime: 5 * 60_000,
  });
}

/** How far back a page of raw results reaches: past the raw retention. */
const RESULTS_REACH_MS = 90 * 86_400_000;

/**
 * Raw results newest first, one page of `limit` ending before `to` (absent: now) and
 * starting at `from` (absent: as far back as results are kept).
 */
export function useMonitorResults(kind: MonitorKind, id: string, to: string | null, limit: number, from?: string) {
  return useQuery({
    queryKey: [...monitorKeys(kind).results(id), to, limit, from ?? null] as const,
    queryFn: ({ signal }) => {
      const end = to ? new Date(to).getTime() : Date.now();
      const query = { limit, from: from ?? new Date(end - RESULTS_REACH_MS).toISOString(), ...(to ? { to } : {}) };
      return unwrap(resultsCall(kind, id, query, signal));
    },
    placeholderData: keepPreviousData,
  });
}
