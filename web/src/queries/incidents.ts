/** Incidents: key factory and list. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { MonitorKind } from "./monitors";

export interface IncidentListParams {
  page: number;
  per_page: number;
  status?: "open" | "resolved";
  target_type?: MonitorKind;
  target_id?: string;
  sort?: string;
}

export const incidentKeys = {
  all: ["incidents"] as const,
  lists: () => [...incidentKeys.all, "list"] as const,
  list: (params: IncidentListParams) => [...incidentKeys.lists(), params] as const,
};

export function useIncidents(params: IncidentListParams) {
  return useQuery({
    queryKey: incidentKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/incidents", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}
