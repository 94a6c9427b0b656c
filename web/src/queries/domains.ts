/** Domains: one query key factory (shared with live updates) and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { CreateDomainBody, Domain, UpdateDomainBody } from "@/api/types";
import { alertKeys } from "./alerts";
import { incidentKeys } from "./incidents";
import { monitorKeys, type MonitorListParams } from "./monitors";
import { summaryKeys } from "./summary";

export const domainKeys = monitorKeys("domain");

export function useDomains(params: MonitorListParams) {
  return useQuery({
    queryKey: domainKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/domains", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useDomain(id: string) {
  return useQuery({
    queryKey: domainKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/domains/{id}", { params: { path: { id } }, signal })),
  });
}

function useDomainSaved() {
  const client = useQueryClient();
  return (domain?: Domain) => {
    if (domain) client.setQueryData(domainKeys.detail(domain.id), domain);
    void client.invalidateQueries({ queryKey: domainKeys.lists() });
    void client.invalidateQueries({ queryKey: summaryKeys.all });
  };
}

export function useCreateDomain() {
  const done = useDomainSaved();
  return useMutation({
    mutationFn: (body: CreateDomainBody) => unwrap(api.POST("/api/v1/domains", { body })),
    onSuccess: (domain) => done(domain),
  });
}

export function useUpdateDomain(id: string) {
  const done = useDomainSaved();
  return useMutation({
    mutationFn: (body: UpdateDomainBody) => unwrap(api.PATCH("/api/v1/domains/{id}", { params: { path: { id } }, body })),
    onSuccess: (domain) => done(domain),
  });
}

export function useDeleteDomain(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/domains/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      client.removeQueries({ queryKey: domainKeys.detail(id) });
      client.removeQueries({ queryKey: domainKeys.history(id) });
      void client.invalidateQueries({ queryKey: domainKeys.lists() });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
      void client.invalidateQueries({ queryKey: incidentKeys.all });
      void client.invalidateQueries({ queryKey: alertKeys.all });
    },
  });
}

export function usePauseDomain(id: string) {
  const done = useDomainSaved();
  return useMutation({
    mutationFn: (pause: boolean) =>
      unwrap(
        pause
          ? api.POST("/api/v1/domains/{id}/pause", { params: { path: { id } } })
          : api.POST("/api/v1/domains/{id}/resume", { params: { path: { id } } }),
      ),
    onSuccess: (domain) => done(domain),
  });
}

/** Checks now; the domain's details change with the check, so it is read again. */
export function useRunDomain(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/domains/{id}/check", { params: { path: { id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: domainKeys.detail(id) });
      void client.invalidateQueries({ queryKey: domainKeys.history(id) });
      void client.invalidateQueries({ queryKey: domainKeys.lists() });
    },
  });
}
