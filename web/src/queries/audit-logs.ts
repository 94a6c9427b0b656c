/** The audit log (administrators): key factory and list. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";

export interface AuditListParams {
  page: number;
  per_page: number;
  actor?: string;
  action?: string;
  target_type?: string;
  from?: string;
  to?: string;
  sort?: string;
}

export const auditKeys = {
  all: ["audit-logs"] as const,
  list: (params: AuditListParams) => [...auditKeys.all, "list", params] as const,
};

export function useAuditLogs(params: AuditListParams) {
  return useQuery({
    queryKey: auditKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/audit-logs", { params: { query: params }, signal })),
    placeholderData: keepPreviousData,
  });
}
