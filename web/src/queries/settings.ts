/** Server settings (administrators): registration, Basic auth, SMTP test, templates. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import type { components } from "@/api/schema";

type Schemas = components["schemas"];
export type Settings = Schemas["Settings"];
export type TemplateEvent = NonNullable<Schemas["PreviewRequest"]["event"]>;

export const settingsKeys = {
  all: ["settings"] as const,
  settings: () => [...settingsKeys.all, "server"] as const,
  templates: () => [...settingsKeys.all, "templates"] as const,
};

export function useSettings() {
  return useQuery({
    queryKey: settingsKeys.settings(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/settings", { signal })),
  });
}

export function useUpdateSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<Settings>) => unwrap(api.PATCH("/api/v1/settings", { body })),
    onSuccess: (saved) => client.setQueryData(settingsKeys.settings(), saved),
  });
}

export function useSmtpTest() {
  return useMutation({
    mutationFn: (to: string) => unwrap(api.POST("/api/v1/settings/smtp/test", { body: { to } })),
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: settingsKeys.templates(),
    queryFn: async ({ signal }) => (await unwrap(api.GET("/api/v1/settings/notification-templates", { signal }))).templates,
  });
}

export function useSaveTemplates() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (templates: Record<string, string>) =>
      (await unwrap(api.PUT("/api/v1/settings/notification-templates", { body: { templates } }))).templates,
    onSuccess: (saved) => client.setQueryData(settingsKeys.templates(), saved),
  });
}

export function usePreviewTemplate() {
  return useMutation({
    mutationFn: (body: { type: string; event: TemplateEvent; template?: string }) =>
      unwrap(api.POST("/api/v1/settings/notification-templates/preview", { body })),
  });
}
