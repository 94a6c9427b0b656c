/** Alert rules: key factory and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { Rule, RuleBody } from "@/lib/rule-form";
import { alertKeys } from "./alerts";

export const ruleKeys = {
  all: ["alert-rules"] as const,
  lists: () => [...ruleKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...ruleKeys.lists(), page, perPage] as const,
  detail: (id: string) => [...ruleKeys.all, "detail", id] as const,
};

export function useRules(page: number, perPage = 50) {
  return useQuery({
    queryKey: ruleKeys.list(page, perPage),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alert-rules", { params: { query: { page, per_page: perPage } }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useRule(id: string) {
  return useQuery({
    queryKey: ruleKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alert-rules/{id}", { params: { path: { id } }, signal })),
  });
}

function useRuleSaved() {
  const client = useQueryClient();
  return (rule?: Rule) => {
    if (rule) client.setQueryData(ruleKeys.detail(rule.id), rule);
    void client.invalidateQueries({ queryKey: ruleKeys.lists() });
    // A new or changed rule judges at once: alerts may open or close.
    void client.invalidateQueries({ queryKey: alertKeys.all });
  };
}

export function useCreateRule() {
  const done = useRuleSaved();
  return useMutation({
    mutationFn: (body: RuleBody) => unwrap(api.POST("/api/v1/alert-rules", { body })),
    onSuccess: (rule) => done(rule),
  });
}

export function useUpdateRule() {
  const done = useRuleSaved();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: RuleBody }) =>
      unwrap(api.PATCH("/api/v1/alert-rules/{id}", { params: { path: { id } }, body })),
    onSuccess: (rule) => done(rule),
  });
}

export function useDeleteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/alert-rules/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: ruleKeys.detail(id) });
      void client.invalidateQueries({ queryKey: ruleKeys.lists() });
      void client.invalidateQueries({ queryKey: alertKeys.all });
    },
  });
}
