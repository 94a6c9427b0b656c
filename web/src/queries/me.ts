/** The signed-in user's own records: preferences. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import { applyAppearance, parseAppearance, type Appearance } from "@/theme/theme";

export const meKeys = {
  all: ["me"] as const,
  preferences: () => [...meKeys.all, "preferences"] as const,
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
