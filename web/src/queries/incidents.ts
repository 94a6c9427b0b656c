/** Incidents: key factory, list, one incident and acknowledging. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { Incident } from "@/api/types";
import { alertKeys } from "./alerts";
import type { MonitorKind } from "./monitors";
import { summaryKeys } from "./summary";

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
  detail: (id: string) => [...incidentKeys.all, "detail", id] as const,
};

export function useIncidents(params: IncidentListParams) {
  return useQuery({
    queryKey: incidentKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/incidents", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useIncident(id: string) {
  return useQuery({
    queryKey: incidentKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/incidents/{id}", { params: { path: { id } }, signal })),
  });
}

/** Someone is on it; the monitor's `down` alerts are acknowledged with it. */
export function useAckIncident() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/incidents/{id}/ack", { params: { path: { id } } })),
    onSuccess: (incident: Incident) => {
      client.setQueryData(incidentKeys.detail(incident.id), incident);
      void client.invalidateQueries({ queryKey: incidentKeys.lists() });
      void client.invalidateQueries({ queryKey: alertKeys.all });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
    },
  });
}
