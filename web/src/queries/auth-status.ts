/** What the sign-in page offers before anyone signs in: `GET /auth/status` (public). */
import { useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";

export const authStatusKeys = {
  all: ["auth-status"] as const,
};

export function useAuthStatus() {
  return useQuery({
    queryKey: authStatusKeys.all,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/status", { signal })),
    // Setup ends and settings change elsewhere: ask again whenever the page opens.
    staleTime: 0,
  });
}
