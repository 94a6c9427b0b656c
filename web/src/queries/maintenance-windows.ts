/** Maintenance windows and their occurrences: key factory and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { MaintenanceWindow, WindowBody } from "@/lib/schedule";
import { summaryKeys } from "./summary";

export const windowKeys = {
  all: ["maintenance-windows"] as const,
  lists: () => [...windowKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...windowKeys.lists(), page, perPage] as const,
  detail: (id: string) => [...windowKeys.all, "detail", id] as const,
  occurrences: (id: string, days: number) => [...windowKeys.all, "occurrences", id, days] as const,
};

export function useWindows(page: number, perPage = 50) {
  return useQuery({
    queryKey: windowKeys.list(page, perPage),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/maintenance-windows", { params: { query: { page, per_page: perPage } }, signal })),
    placeholderData: keepPreviousData,
    // Windows open and close on their own.
    refetchInterval: 60_000,
  });
}

export function useWindow(id: string) {
  return useQuery({
    queryKey: windowKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/maintenance-windows/{id}", { params: { path: { id } }, signal })),
  });
}

/** The periods the window is open in the next `days` days (from now). */
export function useOccurrences(id: string, days: number, enabled = true) {
  return useQuery({
    queryKey: windowKeys.occurrences(id, days),
    queryFn: ({ signal }) => {
      const from = new Date();
      const to = new Date(from.getTime() + days * 86_400_000);
      return unwrap(
        api.GET("/api/v1/maintenance-windows/{id}/occurrences", {
          params: { path: { id }, query: { from: from.toISOString(), to: to.toISOString() } },
          signal,
        }),
      );
    },
    enabled,
  });
}

function useWindowSaved() {
  const client = useQueryClient();
  return (window?: MaintenanceWindow) => {
    if (window) client.setQueryData(windowKeys.detail(window.id), window);
    void client.invalidateQueries({ queryKey: windowKeys.lists() });
    if (window) void client.invalidateQueries({ queryKey: [...windowKeys.all, "occurrences", window.id] });
    void client.invalidateQueries({ queryKey: summaryKeys.all });
  };
}

export function useCreateWindow() {
  const done = useWindowSaved();
  return useMutation({
    mutationFn: (body: WindowBody) => unwrap(api.POST("/api/v1/maintenance-windows", { body })),
    onSuccess: (window) => done(window),
  });
}

export function useUpdateWindow(id: string) {
  const done = useWindowSaved();
  return useMutation({
    mutationFn: (body: WindowBody) => unwrap(api.PATCH("/api/v1/maintenance-windows/{id}", { params: { path: { id } }, body })),
    onSuccess: (window) => done(window),
  });
}

export function useDeleteWindow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/maintenance-windows/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: windowKeys.detail(id) });
      void client.invalidateQueries({ queryKey: windowKeys.lists() });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
    },
  });
}
