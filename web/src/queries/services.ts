/** Services: one query key factory (shared with live updates) and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { CreateServiceBody, Service, UpdateServiceBody } from "@/api/types";
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
