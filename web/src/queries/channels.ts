/** Notification channels and their delivery log: key factories and the calls the pages make. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { Channel, CreateChannelBody } from "@/lib/channel-form";
import { alertKeys } from "./alerts";

export const channelKeys = {
  all: ["notification-channels"] as const,
  lists: () => [...channelKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...channelKeys.lists(), page, perPage] as const,
  detail: (id: string) => [...channelKeys.all, "detail", id] as const,
};

export interface NotificationListParams {
  page: number;
  per_page: number;
  channel_id?: string;
  alert_id?: string;
  status?: string;
}

export const notificationKeys = {
  all: ["notifications"] as const,
  list: (params: NotificationListParams) => [...notificationKeys.all, "list", params] as const,
};

export function useChannels(page = 1, perPage = 50) {
  return useQuery({
    queryKey: channelKeys.list(page, perPage),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/notification-channels", { params: { query: { page, per_page: perPage } }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** Every channel for pickers (rules, policies): the server's largest page. */
export function useAllChannels() {
  return useChannels(1, 500);
}

export function useChannel(id: string) {
  return useQuery({
    queryKey: channelKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/notification-channels/{id}", { params: { path: { id } }, signal })),
  });
}

function useChannelSaved() {
  const client = useQueryClient();
  return (channel?: Channel) => {
    if (channel) client.setQueryData(channelKeys.detail(channel.id), channel);
    void client.invalidateQueries({ queryKey: channelKeys.lists() });
  };
}

export function useCreateChannel() {
  const done = useChannelSaved();
  return useMutation({
    mutationFn: (body: CreateChannelBody) => unwrap(api.POST("/api/v1/notification-channels", { body })),
    onSuccess: (channel) => done(channel),
  });
}

export function useUpdateChannel(id: string) {
  const done = useChannelSaved();
  return useMutation({
    mutationFn: (body: Partial<CreateChannelBody>) =>
      unwrap(api.PATCH("/api/v1/notification-channels/{id}", { params: { path: { id } }, body })),
    onSuccess: (channel) => done(channel),
  });
}

export function useDeleteChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/notification-channels/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: channelKeys.detail(id) });
      void client.invalidateQueries({ queryKey: channelKeys.lists() });
    },
  });
}

export function useTestChannel(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/notification-channels/{id}/test", { params: { path: { id } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

export function useNotifications(params: NotificationListParams, options: { enabled?: boolean; refetchInterval?: number } = {}) {
  return useQuery({
    queryKey: notificationKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/notifications", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
    ...(options.refetchInterval ? { refetchInterval: options.refetchInterval } : {}),
  });
}

export function useRetryNotification() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/notifications/{id}/retry", { params: { path: { id } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

/** The id the server gives the built-in "Notification delivery failing" alerts as their rule. */
export const DELIVERY_FAILING_RULE_ID = "00000000-0000-0000-0000-000000000000";

/**
 * Channels whose notifications went dead and have not delivered since: the firing
 * "Notification delivery failing" alerts, one per channel (`target_id` is the channel).
 */
export function useDeliveryFailing() {
  return useQuery({
    queryKey: [...alertKeys.all, "delivery-failing"] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/alerts", {
          params: { query: { status: "firing", rule_id: DELIVERY_FAILING_RULE_ID, page: 1, per_page: 5 } },
          signal,
        }),
      ),
    refetchInterval: 60_000,
  });
}
