/** The counts behind the dashboard and the group headers: `GET /summary`. */
import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";

export const summaryKeys = {
  all: ["summary"] as const,
};

export function useSummary() {
  return useQuery({
    queryKey: summaryKeys.all,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/summary", { signal })),
    // Live events invalidate it; this is the fallback while disconnected.
    refetchInterval: 60_000,
  });
}
