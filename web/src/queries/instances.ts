/**
 * Instances: one query key factory (shared with live updates) and the calls the pages
 * make: the instance, its metrics (history and the live snapshots), device, probes,
 * agent configuration, actions and enrollment tokens.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/envelope";
import type { CreateInstanceBody, Instance, UpdateInstanceBody } from "@/api/types";
import { addSnapshots, asSnapshot, type Snapshot } from "@/lib/metrics";
import { alertKeys } from "./alerts";
import { incidentKeys } from "./incidents";
import { liveMetricsKey, monitorKeys, type MonitorListParams } from "./monitors";
import { summaryKeys } from "./summary";

const base = monitorKeys("instance");

export const instanceKeys = {
  ...base,
  /** Metrics history over the last `rangeS` seconds. */
  metrics: (id: string, rangeS: number) => [...base.history(id), "metrics", rangeS] as const,
  /**
   * The snapshots seen since the page opened, oldest first. Live `metrics` events append
   * to it while it is cached (only while an instance page shows it: it is not kept).
   */
  live: liveMetricsKey,
  device: (id: string) => [...base.history(id), "device"] as const,
  probes: (id: string) => [...base.history(id), "probes"] as const,
  agentConfig: (id: string) => [...base.detail(id), "agent-config"] as const,
};

export function useInstances(params: MonitorListParams) {
  return useQuery({
    queryKey: instanceKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/instances", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}

export function useInstance(id: string) {
  return useQuery({
    queryKey: instanceKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/instances/{id}", { params: { path: { id } }, signal })),
  });
}

/** Metrics history over the last `rangeS` seconds, read up to now each time it loads. */
export function useInstanceMetrics(id: string, rangeS: number) {
  return useQuery({
    queryKey: instanceKeys.metrics(id, rangeS),
    queryFn: ({ signal }) => {
      const to = new Date();
      const from = new Date(to.getTime() - rangeS * 1000);
      return unwrap(
        api.GET("/api/v1/instances/{id}/metrics", {
          params: { path: { id }, query: { from: from.toISOString(), to: to.toISOString() } },
          signal,
        }),
      );
    },
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}

/**
 * The newest snapshots: the latest one from the server, then every one the live socket
 * brings while this is shown. Reloading (after a reconnect) adds the latest to what is
 * held instead of starting over.
 */
export function useInstanceLive(id: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: instanceKeys.live(id),
    queryFn: async ({ signal }): Promise<Snapshot[]> => {
      const held = client.getQueryData<Snapshot[]>(instanceKeys.live(id)) ?? [];
      try {
        const latest = asSnapshot(
          await unwrap(api.GET("/api/v1/instances/{id}/metrics/latest", { params: { path: { id } }, signal })),
        );
        return latest ? addSnapshots(held, [latest]) : held;
      } catch (error) {
        // No snapshot yet: the agent has not reported.
        if (error instanceof ApiError && error.status === 404) return held;
        throw error;
      }
    },
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
}

export function useInstanceDevice(id: string) {
  return useQuery({
    queryKey: instanceKeys.device(id),
    queryFn: async ({ signal }) => {
      try {
        return await unwrap(api.GET("/api/v1/instances/{id}/device", { params: { path: { id } }, signal }));
      } catch (error) {
        // Not read yet: the agent has not described its host.
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    staleTime: 5 * 60_000,
  });
}

export function useInstanceProbes(id: string) {
  return useQuery({
    queryKey: instanceKeys.probes(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/instances/{id}/probes", { params: { path: { id } }, signal })),
    refetchInterval: 60_000,
  });
}

export function useAgentConfig(id: string, enabled = true) {
  return useQuery({
    queryKey: instanceKeys.agentConfig(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/instances/{id}/agent-config", { params: { path: { id } }, signal })),
    enabled,
  });
}

export function useSaveAgentConfig(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (config: Record<string, unknown>) =>
      unwrap(api.PUT("/api/v1/instances/{id}/agent-config", { params: { path: { id } }, body: config })),
    onSuccess: (saved) => {
      client.setQueryData(instanceKeys.agentConfig(id), saved);
      void client.invalidateQueries({ queryKey: instanceKeys.detail(id), exact: true });
    },
  });
}

function useInstanceSaved() {
  const client = useQueryClient();
  return (instance?: Instance) => {
    if (instance) {
      // A created instance carries its one-time token: keep only the view.
      const { enrollment_token: _token, ...view } = instance as Instance & { enrollment_token?: unknown };
      client.setQueryData(instanceKeys.detail(instance.id), view);
    }
    void client.invalidateQueries({ queryKey: instanceKeys.lists() });
    void client.invalidateQueries({ queryKey: summaryKeys.all });
  };
}

export function useCreateInstance() {
  const done = useInstanceSaved();
  return useMutation({
    mutationFn: (body: CreateInstanceBody) => unwrap(api.POST("/api/v1/instances", { body })),
    onSuccess: (instance) => done(instance),
  });
}

export function useUpdateInstance(id: string) {
  const done = useInstanceSaved();
  return useMutation({
    mutationFn: (body: UpdateInstanceBody) => unwrap(api.PATCH("/api/v1/instances/{id}", { params: { path: { id } }, body })),
    onSuccess: (instance) => done(instance),
  });
}

export function useDeleteInstance(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/instances/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      client.removeQueries({ queryKey: instanceKeys.detail(id) });
      client.removeQueries({ queryKey: instanceKeys.history(id) });
      void client.invalidateQueries({ queryKey: instanceKeys.lists() });
      void client.invalidateQueries({ queryKey: summaryKeys.all });
      void client.invalidateQueries({ queryKey: incidentKeys.all });
      void client.invalidateQueries({ queryKey: alertKeys.all });
    },
  });
}

export function usePauseInstance(id: string) {
  const done = useInstanceSaved();
  return useMutation({
    mutationFn: (pause: boolean) =>
      unwrap(
        pause
          ? api.POST("/api/v1/instances/{id}/pause", { params: { path: { id } } })
          : api.POST("/api/v1/instances/{id}/resume", { params: { path: { id } } }),
      ),
    onSuccess: (instance) => done(instance),
  });
}

export function useRunInstance(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/instances/{id}/check", { params: { path: { id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: instanceKeys.detail(id), exact: true });
      void client.invalidateQueries({ queryKey: instanceKeys.history(id) });
    },
  });
}

export type InstanceAction = "restart_agent" | "reboot" | "shutdown";

export function useInstanceAction(id: string) {
  return useMutation({
    mutationFn: (action: InstanceAction) =>
      unwrap(api.POST("/api/v1/instances/{id}/actions", { params: { path: { id } }, body: { action } })),
  });
}

/** A new enrollment token; the agent's current credential stops working. */
export function useEnrollmentToken(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/instances/{id}/enrollment-token", { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: instanceKeys.detail(id), exact: true }),
  });
}
