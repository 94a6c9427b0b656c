/** Escalation policies: key factory and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { Policy, PolicyBody } from "@/lib/policy-form";

export const policyKeys = {
  all: ["escalation-policies"] as const,
  lists: () => [...policyKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...policyKeys.lists(), page, perPage] as const,
  detail: (id: string) => [...policyKeys.all, "detail", id] as const,
};

export function usePolicies(page: number, perPage = 50) {
  return useQuery({
    queryKey: policyKeys.list(page, perPage),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/escalation-policies", { params: { query: { page, per_page: perPage } }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function usePolicy(id: string) {
  return useQuery({
    queryKey: policyKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/escalation-policies/{id}", { params: { path: { id } }, signal })),
  });
}

function usePolicySaved() {
  const client = useQueryClient();
  return (policy?: Policy) => {
    if (policy) client.setQueryData(policyKeys.detail(policy.id), policy);
    void client.invalidateQueries({ queryKey: policyKeys.lists() });
  };
}

export function useCreatePolicy() {
  const done = usePolicySaved();
  return useMutation({
    mutationFn: (body: PolicyBody) => unwrap(api.POST("/api/v1/escalation-policies", { body })),
    onSuccess: (policy) => done(policy),
  });
}

export function useUpdatePolicy(id: string) {
  const done = usePolicySaved();
  return useMutation({
    mutationFn: (body: PolicyBody) => unwrap(api.PATCH("/api/v1/escalation-policies/{id}", { params: { path: { id } }, body })),
    onSuccess: (policy) => done(policy),
  });
}

export function useDeletePolicy() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/escalation-policies/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: policyKeys.detail(id) });
      void client.invalidateQueries({ queryKey: policyKeys.lists() });
    },
  });
}
