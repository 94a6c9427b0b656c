/**
 * Sparklines for the rows on screen: one `GET /sparklines?ids=` for the whole page, keyed
 * by the sorted ids so the same page shares one cache entry whatever order it came in.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";

export const sparklineKeys = {
  all: ["sparklines"] as const,
  page: (ids: string[], hours: number) => [...sparklineKeys.all, hours, [...ids].sort().join(",")] as const,
};

export function useSparklines(ids: string[], hours = 24, points = 24) {
  return useQuery({
    queryKey: sparklineKeys.page(ids, hours),
    queryFn: async ({ signal }) => {
      const data = await unwrap(
        api.GET("/api/v1/sparklines", { params: { query: { ids: [...ids].sort().join(","), hours, points } }, signal }),
      );
      return new Map(data.map((item) => [item.monitor_id, item]));
    },
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
    staleTime: 60_000,
  });
}
