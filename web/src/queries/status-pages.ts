/**
 * Status pages, their components, incidents, visitor reports and subscribers: key
 * factories and the calls the pages make.
 */
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQueries,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/envelope";
import type { ComponentBody, IncidentBody, PageBody, StatusComponent, StatusPage, UpdateBody } from "@/lib/status-pages";

export type IncidentState = "open" | "resolved";

export const statusPageKeys = {
  all: ["status-pages"] as const,
  lists: () => [...statusPageKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...statusPageKeys.lists(), page, perPage] as const,
  detail: (id: string) => [...statusPageKeys.all, "detail", id] as const,
  incidents: (id: string) => [...statusPageKeys.all, "incidents", id] as const,
  incidentList: (id: string, state: IncidentState, page: number, perPage: number) =>
    [...statusPageKeys.incidents(id), state, page, perPage] as const,
  reports: (id: string, page: number, perPage: number) => [...statusPageKeys.all, "reports", id, page, perPage] as const,
  subscribers: (id: string) => [...statusPageKeys.all, "subscribers", id] as const,
  subscriberList: (id: string, page: number, perPage: number) => [...statusPageKeys.subscribers(id), page, perPage] as const,
};

export const componentKeys = {
  all: ["status-components"] as const,
  lists: () => [...componentKeys.all, "list"] as const,
  list: (page: number, perPage: number) => [...componentKeys.lists(), page, perPage] as const,
  picker: () => [...componentKeys.lists(), "picker"] as const,
  detail: (id: string) => [...componentKeys.all, "detail", id] as const,
};

export const statusReportKeys = {
  all: ["status-reports"] as const,
  recent: (hours: number, perPage: number) => [...statusReportKeys.all, "recent", hours, perPage] as const,
};

// ---------------------------------------------------------------------------------------
// Pages

export function useStatusPages(page: number, perPage = 50) {
  return useQuery({
    queryKey: statusPageKeys.list(page, perPage),
    queryFn: async ({ signal }) => {
      const list = await unwrap(api.GET("/api/v1/status-pages", { params: { query: { page, per_page: perPage } }, signal }));
      return list;
    },
    placeholderData: keepPreviousData,
  });
}

export function useStatusPage(id: string) {
  return useQuery({
    queryKey: statusPageKeys.detail(id),
    queryFn: async ({ signal }) => unwrap(api.GET("/api/v1/status-pages/{id}", { params: { path: { id } }, signal })),
  });
}

function usePageSaved() {
  const client = useQueryClient();
  return (page: StatusPage) => {
    client.setQueryData(statusPageKeys.detail(page.id), page);
    void client.invalidateQueries({ queryKey: statusPageKeys.lists() });
    // Components list the pages that show them.
    void client.invalidateQueries({ queryKey: componentKeys.all });
  };
}

export function useCreateStatusPage() {
  const done = usePageSaved();
  return useMutation({
    mutationFn: async (body: PageBody) => unwrap(api.POST("/api/v1/status-pages", { body })),
    onSuccess: done,
  });
}

export function useUpdateStatusPage(id: string) {
  const done = usePageSaved();
  return useMutation({
    mutationFn: async (body: PageBody) => unwrap(api.PATCH("/api/v1/status-pages/{id}", { params: { path: { id } }, body })),
    onSuccess: done,
  });
}

export function useDeleteStatusPage() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/status-pages/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: statusPageKeys.detail(id) });
      void client.invalidateQueries({ queryKey: statusPageKeys.lists() });
      void client.invalidateQueries({ queryKey: componentKeys.all });
      void client.invalidateQueries({ queryKey: statusReportKeys.all });
    },
  });
}

/** A short-lived signed link that opens the page in this browser (private pages). */
export async function viewLink(id: string): Promise<string> {
  const link = await unwrap(api.POST("/api/v1/status-pages/{id}/view", { params: { path: { id } } }));
  return link.url;
}

/**
 * The view link of the page at `slug`, for a visitor a private page sent to sign in: the
 * page is looked up by its slug, then asked for a link. Null when no page the user may see
 * has this slug.
 */
export async function viewLinkBySlug(slug: string): Promise<string | null> {
  const list = await unwrap(api.GET("/api/v1/status-pages", { params: { query: { slug, per_page: 1 } } }));
  const page = list.items[0];
  if (!page) return null;
  try {
    return await viewLink(page.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Components

function seedComponents(client: QueryClient, items: StatusComponent[]) {
  for (const item of items) client.setQueryData(componentKeys.detail(item.id), item);
}

export function useComponents(page: number, perPage = 50) {
  const client = useQueryClient();
  return useQuery({
    queryKey: componentKeys.list(page, perPage),
    queryFn: async ({ signal }) => {
      const list = await unwrap(api.GET("/api/v1/components", { params: { query: { page, per_page: perPage } }, signal }));
      seedComponents(client, list.items);
      return list;
    },
    placeholderData: keepPreviousData,
  });
}

const PICKER_PAGE = 100;

/** Components a page at a time, for the sections editor's picker ("Show more" asks for the next). */
export function useComponentPicker(enabled: boolean) {
  const client = useQueryClient();
  return useInfiniteQuery({
    queryKey: componentKeys.picker(),
    initialPageParam: 1,
    queryFn: async ({ pageParam, signal }) => {
      const list = await unwrap(
        api.GET("/api/v1/components", { params: { query: { page: pageParam, per_page: PICKER_PAGE } }, signal }),
      );
      seedComponents(client, list.items);
      return list;
    },
    getNextPageParam: (last) => (last.page * last.per_page < last.total ? last.page + 1 : undefined),
    enabled,
  });
}

/** Components by id (those on one page): each asked for once, then cached. */
export function useComponentsByIds(ids: readonly string[]): Map<string, { data?: StatusComponent; missing: boolean }> {
  const results = useQueries({
    queries: ids.map((id) => ({
      queryKey: componentKeys.detail(id),
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        unwrap(api.GET("/api/v1/components/{id}", { params: { path: { id } }, signal })),
      staleTime: 60_000,
      retry: false,
    })),
  });
  return new Map(
    ids.map((id, i) => {
      const r = results[i];
      return [id, { data: r?.data, missing: r?.error instanceof ApiError && r.error.status === 404 }];
    }),
  );
}

function useComponentSaved() {
  const client = useQueryClient();
  return (component?: StatusComponent) => {
    if (component) client.setQueryData(componentKeys.detail(component.id), component);
    void client.invalidateQueries({ queryKey: componentKeys.lists() });
  };
}

export function useCreateComponent() {
  const done = useComponentSaved();
  return useMutation({
    mutationFn: (body: ComponentBody) => unwrap(api.POST("/api/v1/components", { body })),
    onSuccess: (component) => done(component),
  });
}

export function useUpdateComponent(id: string) {
  const done = useComponentSaved();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ComponentBody) => unwrap(api.PATCH("/api/v1/components/{id}", { params: { path: { id } }, body })),
    onSuccess: (component) => {
      done(component);
      // Pages show its name.
      void client.invalidateQueries({ queryKey: statusPageKeys.all });
    },
  });
}

export function useDeleteComponent() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/components/{id}", { params: { path: { id } } })),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: componentKeys.detail(id) });
      void client.invalidateQueries({ queryKey: componentKeys.lists() });
      // It left every page that showed it.
      void client.invalidateQueries({ queryKey: statusPageKeys.all });
    },
  });
}

// ---------------------------------------------------------------------------------------
// Incidents

export function usePageIncidents(id: string, state: IncidentState, page: number, perPage = 20) {
  return useQuery({
    queryKey: statusPageKeys.incidentList(id, state, page, perPage),
    queryFn: async ({ signal }) => {
      const list = await unwrap(
        api.GET("/api/v1/status-pages/{id}/incidents", {
          params: { path: { id }, query: { state, page, per_page: perPage } },
          signal,
        }),
      );
      return list;
    },
    placeholderData: keepPreviousData,
  });
}

export function useCreatePageIncident(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: IncidentBody) =>
      unwrap(api.POST("/api/v1/status-pages/{id}/incidents", { params: { path: { id } }, body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: statusPageKeys.incidents(id) }),
  });
}

export function usePostIncidentUpdate(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ iid, body }: { iid: string; body: UpdateBody }) =>
      unwrap(api.POST("/api/v1/status-pages/{id}/incidents/{iid}/updates", { params: { path: { id, iid } }, body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: statusPageKeys.incidents(id) }),
  });
}

export function useDeletePageIncident(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (iid: string) =>
      unwrap(api.DELETE("/api/v1/status-pages/{id}/incidents/{iid}", { params: { path: { id, iid } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: statusPageKeys.incidents(id) }),
  });
}

// ---------------------------------------------------------------------------------------
// Visitor reports and subscribers

export function usePageReports(id: string, page: number, perPage = 25) {
  return useQuery({
    queryKey: statusPageKeys.reports(id, page, perPage),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/status-pages/{id}/reports", { params: { path: { id }, query: { page, per_page: perPage } }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Reports on every page in the last `hours` hours: the newest `perPage` and the total. */
export function useRecentReports(hours = 24, perPage = 5) {
  return useQuery({
    queryKey: statusReportKeys.recent(hours, perPage),
    queryFn: ({ signal }) => {
      const since = new Date(Date.now() - hours * 3_600_000).toISOString();
      return unwrap(api.GET("/api/v1/status-reports", { params: { query: { since, page: 1, per_page: perPage } }, signal }));
    },
    refetchInterval: 60_000,
  });
}

export function useSubscribers(id: string, page: number, perPage = 50, enabled = true) {
  return useQuery({
    queryKey: statusPageKeys.subscriberList(id, page, perPage),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/status-pages/{id}/subscribers", {
          params: { path: { id }, query: { page, per_page: perPage } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useDeleteSubscriber(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (sid: string) =>
      unwrap(api.DELETE("/api/v1/status-pages/{id}/subscribers/{sid}", { params: { path: { id, sid } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: statusPageKeys.subscribers(id) });
      // The page counts its confirmed subscribers.
      void client.invalidateQueries({ queryKey: statusPageKeys.detail(id) });
      void client.invalidateQueries({ queryKey: statusPageKeys.lists() });
    },
  });
}
