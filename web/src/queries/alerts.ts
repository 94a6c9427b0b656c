/** Alerts: key factory and list. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";

export interface AlertListParams {
  page: number;
  per_page: number;
  status?: "pending" | "firing" | "resolved" | "suppressed";
}

export const alertKeys = {
  all: ["alerts"] as const,
  lists: () => [...alertKeys.all, "list"] as const,
  list: (params: AlertListParams) => [...alertKeys.lists(), params] as const,
};

export function useAlerts(params: AlertListParams) {
  return useQuery({
    queryKey: alertKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}
