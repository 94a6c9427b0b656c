/**
 * What the domain and instance lists share with each other: filters kept in the URL (so a
 * view can be bookmarked), the group headers with their counts from `/summary`, rows
 * grouped by group, and the filter bar.
 */
import { Search } from "lucide-react";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useSearchParams } from "react-router";
import type { Counts } from "@/api/types";
import { StatusDot, statusLabel } from "@/components/status-badge";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatCount } from "@/lib/format";
import { useDebounced } from "@/lib/use-debounced";
import { MONITOR_STATUSES, type MonitorKind, type MonitorListParams, type MonitorStatus } from "@/queries/monitors";
import { useSummary } from "@/queries/summary";

export const PER_PAGE = 50;

export const SORTS = [
  { value: "name", label: "Name (A–Z)" },
  { value: "-name", label: "Name (Z–A)" },
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "-updated_at", label: "Recently changed" },
] as const;

/** The list's filters and page, read from and written to the URL. */
export function useMonitorListParams() {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const status = search.get("status");
  const params: MonitorListParams = {
    page,
    per_page: PER_PAGE,
    sort: search.get("sort") || "name",
    ...(search.get("q") ? { q: search.get("q")! } : {}),
    ...(search.get("group") ? { group: search.get("group")! } : {}),
    ...(status && (MONITOR_STATUSES as readonly string[]).includes(status) ? { status: status as MonitorStatus } : {}),
  };
  const update = (changes: Record<string, string | null>, resetPage = true) => {
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        if (resetPage && !("page" in changes)) next.delete("page");
        return next;
      },
      { replace: true },
    );
  };
  const filtered = Boolean(params.q || params.group || params.status);
  return { params, update, filtered };
}

/** The counts of each group of `kind`, and the group names in order. */
export function useGroupCounts(kind: MonitorKind) {
  const summary = useSummary();
  return useMemo(() => {
    const counts = new Map<string, Counts>();
    for (const g of summary.data?.groups ?? []) if (g.kind === kind) counts.set(g.group ?? "", g.counts);
    const names = [...counts.keys()].filter(Boolean).sort((a, b) => a.localeCompare(b));
    return { counts, names };
  }, [summary.data, kind]);
}

/** Rows of a page under their group: groups by name, those without one last. */
export function groupRows<T extends { group?: string | null }>(items: readonly T[]): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = item.group ?? "";
    const list = out.get(key) ?? [];
    list.push(item);
    out.set(key, list);
  }
  return [...out.entries()].sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
}

export function GroupCounts({ counts }: { counts: Counts | undefined }) {
  if (!counts) return null;
  const parts = (["down", "pending", "maintenance", "paused"] as const).filter((s) => counts[s] > 0);
  return (
    <span className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs font-normal text-muted-foreground">
      <span>{formatCount(counts.total)} in all</span>
      <span className="flex items-center gap-1">
        <StatusDot status="up" />
        {formatCount(counts.up)} up
      </span>
      {parts.map((s) => (
        <span key={s} className="flex items-center gap-1">
          <StatusDot status={s} />
          {formatCount(counts[s])} {statusLabel(s).toLowerCase()}
        </span>
      ))}
    </span>
  );
}

/** Search by name (debounced into the URL), status, group and sort. */
export function MonitorFilters({
  idPrefix,
  noun,
  params,
  update,
  groupNames,
  searchText,
  onSearchText,
  children,
}: {
  idPrefix: string;
  /** Plural, for the search label ("domains"). */
  noun: string;
  params: MonitorListParams;
  update: (changes: Record<string, string | null>) => void;
  groupNames: string[];
  searchText: string;
  onSearchText: (text: string) => void;
  children?: ReactNode;
}) {
  return (
    <div role="search" className="mb-3 grid grid-cols-2 gap-2 lg:grid-cols-[minmax(12rem,1fr)_repeat(3,minmax(8rem,11rem))]">
      <div className="relative col-span-2 lg:col-span-1">
        <Label htmlFor={`${idPrefix}-search`} className="sr-only">
          Search {noun} by name
        </Label>
        <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden="true" />
        <Input
          id={`${idPrefix}-search`}
          type="search"
          placeholder="Search by name"
          className="pl-8"
          value={searchText}
          onChange={(e) => onSearchText(e.target.value)}
        />
      </div>
      <div>
        <Label htmlFor={`${idPrefix}-status`} className="sr-only">
          Status
        </Label>
        <NativeSelect
          id={`${idPrefix}-status`}
          value={params.status ?? ""}
          onChange={(e) => update({ status: e.target.value || null })}
        >
          <option value="">All statuses</option>
          {MONITOR_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div>
        <Label htmlFor={`${idPrefix}-group`} className="sr-only">
          Group
        </Label>
        <NativeSelect
          id={`${idPrefix}-group`}
          value={params.group ?? ""}
          onChange={(e) => update({ group: e.target.value || null })}
        >
          <option value="">All groups</option>
          {groupNames.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
          {params.group && !groupNames.includes(params.group) ? <option value={params.group}>{params.group}</option> : null}
        </NativeSelect>
      </div>
      <div className="col-span-2 sm:col-span-1">
        <Label htmlFor={`${idPrefix}-sort`} className="sr-only">
          Sort by
        </Label>
        <NativeSelect
          id={`${idPrefix}-sort`}
          value={params.sort}
          onChange={(e) => update({ sort: e.target.value === "name" ? null : e.target.value })}
        >
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </NativeSelect>
      </div>
      {children}
    </div>
  );
}

/** The search box's text, settled into the URL's `q` after the user stops typing. */
export function useSearchText(q: string | undefined, update: (changes: Record<string, string | null>) => void) {
  const [text, setText] = useState(q ?? "");
  const debounced = useDebounced(text, 300);
  useEffect(() => {
    if ((q ?? "") !== debounced.trim()) update({ q: debounced.trim() || null });
    // Only the settled text drives the URL.
  }, [debounced]);
  return [text, setText] as const;
}
