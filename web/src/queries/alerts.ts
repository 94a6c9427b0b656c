/** Alerts: key factory, list, one alert with its notifications, and acknowledging. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { Alert } from "@/api/types";
import type { MonitorKind } from "./monitors";
import { summaryKeys } from "./summary";

export type AlertStatus = "pending" | "firing" | "resolved" | "suppressed";
export type AlertSeverity = "critical" | "warning" | "info";

export interface AlertListParams {
  page: number;
  per_page: number;
  status?: AlertStatus;
  severity?: AlertSeverity;
  rule_id?: string;
  target_type?: MonitorKind;
  target_id?: string;
  from?: string;
  to?: string;
}

export const alertKeys = {
  all: ["alerts"] as const,
  lists: () => [...alertKeys.all, "list"] as const,
  list: (params: AlertListParams) => [...alertKeys.lists(), params] as const,
  detail: (id: string) => [...alertKeys.all, "detail", id] as const,
};

export function useAlerts(params: AlertListParams) {
  return useQuery({
    queryKey: alertKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useAlert(id: string) {
  return useQuery({
    queryKey: alertKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/{id}", { params: { path: { id } }, signal })),
  });
}

/** Reminders and escalation stop; a `down` alert's incident is acknowledged too. */
export function useAckAlert() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/alerts/{id}/ack", { params: { path: { id } } })),
    onSuccess: (alert: Alert) => {
      client.setQueryData<Alert>(alertKeys.detail(alert.id), (old) => (old ? { ...old, ...alert } : old));
      void client.invalidateQueries({ queryKey: alertKeys.lists() });
      // The incident of a `down` alert is acknowledged with it.
      void client.invalidateQueries({ queryKey: ["incidents"] });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
    },
  });
}

/**
 * The rules' names, for filtering alerts by rule (one page of up to 500: rules are few).
 * Kept under the rules' own key prefix, so changes to rules refresh it.
 */
export function useRuleNames(enabled = true) {
  return useQuery({
    // Under `ruleKeys.all` (queries/alert-rules), not imported: this file is in the first load.
    queryKey: ["alert-rules", "names"] as const,
    queryFn: async ({ signal }) => {
      const page = await unwrap(api.GET("/api/v1/alert-rules", { params: { query: { page: 1, per_page: 500 } }, signal }));
      return page.items.map((rule) => ({ id: rule.id, name: rule.name })).sort((a, b) => a.name.localeCompare(b.name));
    },
    staleTime: 5 * 60_000,
    enabled,
  });
}
