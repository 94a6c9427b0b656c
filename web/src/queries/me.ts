/** The signed-in user's own records: profile, password, preferences and API keys. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, session } from "@/api/client";
import { unwrap } from "@/api/envelope";
import { applyAppearance, parseAppearance, type Appearance } from "@/theme/theme";

export const meKeys = {
  all: ["me"] as const,
  profile: () => [...meKeys.all, "profile"] as const,
  preferences: () => [...meKeys.all, "preferences"] as const,
  apiKeys: (page: number) => [...meKeys.all, "api-keys", page] as const,
};

export function usePreferences(enabled = true) {
  return useQuery({
    queryKey: meKeys.preferences(),
    queryFn: async () => parseAppearance(await unwrap(api.GET("/api/v1/me/preferences"))),
    enabled,
    staleTime: Infinity,
  });
}

/** Applies at once, then stores on the server; a failed save goes back to what was stored. */
export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (next: Appearance) => parseAppearance(await unwrap(api.PUT("/api/v1/me/preferences", { body: next }))),
    onMutate: async (next) => {
      await client.cancelQueries({ queryKey: meKeys.preferences() });
      const previous = client.getQueryData<Appearance>(meKeys.preferences());
      client.setQueryData(meKeys.preferences(), next);
      applyAppearance(next);
      return { previous };
    },
    onError: (_error, _next, context) => {
      if (context?.previous) {
        client.setQueryData(meKeys.preferences(), context.previous);
        applyAppearance(context.previous);
      }
    },
    onSuccess: (saved) => client.setQueryData(meKeys.preferences(), saved),
  });
}

export function useMe() {
  return useQuery({
    queryKey: meKeys.profile(),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/me", { signal })),
  });
}

/** Saves the profile and shows the new name and address everywhere at once. */
export function useUpdateMe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { display_name?: string; email?: string; current_password?: string }) =>
      unwrap(api.PATCH("/api/v1/me", { body })),
    onSuccess: (user) => {
      client.setQueryData(meKeys.profile(), user);
      session.updateUser(user);
    },
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) => unwrap(api.POST("/api/v1/me/password", { body })),
  });
}

export function useApiKeys(page: number) {
  return useQuery({
    queryKey: meKeys.apiKeys(page),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/me/api-keys", { params: { query: { page, per_page: 50 } }, signal })),
  });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; expires_at?: string; role?: "viewer" | "editor" | "admin" }) =>
      unwrap(api.POST("/api/v1/me/api-keys", { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: [...meKeys.all, "api-keys"] }),
  });
}

export function useDeleteApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/me/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: [...meKeys.all, "api-keys"] }),
  });
}
