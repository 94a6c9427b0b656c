/** Services: one query key factory (shared with live updates) and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { CreateServiceBody, Service, StatsWindow, UpdateServiceBody } from "@/api/types";
import { incidentKeys } from "./incidents";
import { monitorKeys, type MonitorListParams } from "./monitors";
import { summaryKeys } from "./summary";

export const serviceKeys = monitorKeys("service");

export function useServices(params: MonitorListParams) {
  return useQuery({
    queryKey: serviceKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/services", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useService(id: string) {
  return useQuery({
    queryKey: serviceKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/services/{id}", { params: { path: { id } }, signal })),
  });
}

export function useServiceStats(id: string, window: StatsWindow) {
  return useQuery({
    queryKey: serviceKeys.stats(id, window),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/services/{id}/stats", { params: { path: { id }, query: { window } }, signal })),
    refetchInterval: 60_000,
  });
}

/** The series of the last `rangeS` seconds, read up to now each time it loads. */
export function useServiceSeries(id: string, rangeS: number) {
  return useQuery({
    queryKey: serviceKeys.series(id, String(rangeS)),
    queryFn: ({ signal }) => {
      const to = new Date();
      const from = new Date(to.getTime() - rangeS * 1000);
      return unwrap(
        api.GET("/api/v1/services/{id}/series", {
          params: { path: { id }, query: { from: from.toISOString(), to: to.toISOString() } },
          signal,
        }),
      );
    },
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

export function useServiceUptime(id: string, days: number) {
  return useQuery({
    queryKey: serviceKeys.uptime(id, days),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/services/{id}/uptime", { params: { path: { id }, query: { days } }, signal })),
    staleTime: 5 * 60_000,
  });
}

/** Raw results newest first, one page of `limit` ending before `to` (absent: now). */
export function useServiceResults(id: string, to: string | null, limit: number) {
  return useQuery({
    queryKey: [...serviceKeys.results(id), to, limit] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/services/{id}/results", {
          params: {
            path: { id },
            // The window ends at `to`; 90 days back reaches past the raw retention.
            query: {
              limit,
              ...(to
                ? { to, from: new Date(new Date(to).getTime() - 90 * 86_400_000).toISOString() }
                : {
                    from: new Date(Date.now() - 90 * 86_400_000).toISOString(),
                  }),
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

function useInvalidateService() {
  const client = useQueryClient();
  return (service?: Service) => {
    if (service) client.setQueryData(serviceKeys.detail(service.id), service);
    void client.invalidateQueries({ queryKey: serviceKeys.lists() });
    void client.invalidateQueries({ queryKey: summaryKeys.all });
  };
}

export function useCreateService() {
  const done = useInvalidateService();
  return useMutation({
    mutationFn: (body: CreateServiceBody) => unwrap(api.POST("/api/v1/services", { body })),
    onSuccess: (service) => done(service),
  });
}

export function useUpdateService(id: string) {
  const done = useInvalidateService();
  return useMutation({
    mutationFn: (body: UpdateServiceBody) => unwrap(api.PATCH("/api/v1/services/{id}", { params: { path: { id } }, body })),
    onSuccess: (service) => done(service),
  });
}

export function useDeleteService(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/services/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      client.removeQueries({ queryKey: serviceKeys.detail(id) });
      client.removeQueries({ queryKey: serviceKeys.history(id) });
      void client.invalidateQueries({ queryKey: serviceKeys.lists() });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
      void client.invalidateQueries({ queryKey: incidentKeys.all });
    },
  });
}

export function usePauseService(id: string) {
  const done = useInvalidateService();
  return useMutation({
    mutationFn: (pause: boolean) =>
      unwrap(
        pause
          ? api.POST("/api/v1/services/{id}/pause", { params: { path: { id } } })
          : api.POST("/api/v1/services/{id}/resume", { params: { path: { id } } }),
      ),
    onSuccess: (service) => done(service),
  });
}

export function useRunService(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/services/{id}/check", { params: { path: { id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: serviceKeys.detail(id) });
      void client.invalidateQueries({ queryKey: serviceKeys.history(id) });
    },
  });
}
