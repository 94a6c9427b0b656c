/**
 * The audit log (administrators): who did what, filtered by actor, action, kind of target
 * and time, newest first, one server page at a time; each record opens to its details.
 */
import { ChevronDown, ChevronRight, ScrollText, Search } from "lucide-react";
import { Fragment, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { AdminOnly } from "@/components/user-badges";
import { Button } from "@/components/ui/button";
import { Input, NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCount } from "@/lib/format";
import { fromLocalInput, toLocalInput } from "@/lib/schedule";
import { formatAbsolute } from "@/lib/time";
import { useDebounced } from "@/lib/use-debounced";
import { useAuditLogs, type AuditListParams } from "@/queries/audit-logs";

const PER_PAGE = 50;
const TARGET_TYPES = [
  "user",
  "api_key",
  "session",
  "setting",
  "service",
  "domain",
  "instance",
  "notification_channel",
  "alert_rule",
  "escalation_policy",
  "maintenance_window",
  "alert",
  "incident",
] as const;
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function useFilterText(initial: string, apply: (value: string) => void) {
  const [text, setText] = useState(initial);
  const settled = useDebounced(text.trim(), 400);
  useEffect(() => {
    if (settled !== initial) apply(settled);
    // Only the settled text drives the URL.
  }, [settled]);
  return [text, setText] as const;
}

function AuditPage() {
  const [search, setSearch] = useSearchParams();
  const [open, setOpen] = useState<string | null>(null);
  const params: AuditListParams = {
    page: Math.max(1, Number(search.get("page")) || 1),
    per_page: PER_PAGE,
    ...(search.get("actor") ? { actor: search.get("actor")! } : {}),
    ...(search.get("action") ? { action: search.get("action")! } : {}),
    ...(search.get("target_type") ? { target_type: search.get("target_type")! } : {}),
    ...(search.get("from") ? { from: search.get("from")! } : {}),
    ...(search.get("to") ? { to: search.get("to")! } : {}),
  };
  const update = (changes: Record<string, string | null>, resetPage = true) =>
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        if (resetPage && !("page" in changes)) next.delete("page");
        return next;
      },
      { replace: true },
    );
  const [actor, setActor] = useFilterText(params.actor ?? "", (v) => update({ actor: v || null }));
  const [action, setAction] = useFilterText(params.action ?? "", (v) => update({ action: v || null }));
  const logs = useAuditLogs(params);
  const filtered = Boolean(params.actor || params.action || params.target_type || params.from || params.to);
  const setTime = (key: "from" | "to", local: string) =>
    update({ [key]: local ? (fromLocalInput(local, ZONE)?.toISOString() ?? null) : null });

  return (
    <>
      <PageHeader
        title="Audit log"
        description={
          logs.data ? `${formatCount(logs.data.total)} ${filtered ? "matching" : "records"}` : "Who did what, and when."
        }
      />
      <div role="search" className="mb-3 grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-5">
        <div>
          <Label htmlFor="audit-actor" className="mb-1 block text-xs text-muted-foreground">
            Actor
          </Label>
          <Input
            id="audit-actor"
            placeholder="Username, system, anonymous"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
          />
        </div>
        <div>
          <Label htmlFor="audit-action" className="mb-1 block text-xs text-muted-foreground">
            Action
          </Label>
          <Input
            id="audit-action"
            placeholder="user.create or auth.*"
            value={action}
            onChange={(e) => setAction(e.target.value)}
          />
        </div>
        <div>
          <Label htmlFor="audit-target" className="mb-1 block text-xs text-muted-foreground">
            Target
          </Label>
          <NativeSelect
            id="audit-target"
            value={params.target_type ?? ""}
            onChange={(e) => update({ target_type: e.target.value || null })}
          >
            <option value="">Any target</option>
            {TARGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {t.replace(/_/g, " ")}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div>
          <Label htmlFor="audit-from" className="mb-1 block text-xs text-muted-foreground">
            From
          </Label>
          <Input
            id="audit-from"
            type="datetime-local"
            value={params.from ? toLocalInput(params.from, ZONE) : ""}
            onChange={(e) => setTime("from", e.target.value)}
          />
        </div>
        <div>
          <Label htmlFor="audit-to" className="mb-1 block text-xs text-muted-foreground">
            To
          </Label>
          <Input
            id="audit-to"
            type="datetime-local"
            value={params.to ? toLocalInput(params.to, ZONE) : ""}
            onChange={(e) => setTime("to", e.target.value)}
          />
        </div>
      </div>
      {logs.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load the audit log: {logs.error.message}
        </p>
      ) : logs.isPending ? (
        <div className="flex flex-col gap-2" aria-busy="true" aria-label="Loading the audit log">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-10" />
          ))}
        </div>
      ) : logs.data.total === 0 ? (
        <EmptyState
          icon={filtered ? Search : ScrollText}
          title={filtered ? "No records match" : "No records yet"}
          action={
            filtered ? (
              <Button
                variant="outline"
                onClick={() => {
                  setActor("");
                  setAction("");
                  update({ actor: null, action: null, target_type: null, from: null, to: null });
                }}
              >
                Clear filters
              </Button>
            ) : null
          }
        >
          {filtered
            ? "Widen the time range or clear the filters."
            : "Sign-ins, changes and settings are recorded here as they happen."}
        </EmptyState>
      ) : (
        <div className={logs.isPlaceholderData ? "opacity-70 transition-opacity" : undefined}>
          <div className="rounded-lg border">
            <Table>
              <caption className="sr-only">Audit records, newest first, page {params.page}</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">
                    <span className="sr-only">Details</span>
                  </TableHead>
                  <TableHead scope="col">When</TableHead>
                  <TableHead scope="col">Actor</TableHead>
                  <TableHead scope="col">Action</TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Target
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {logs.data.items.map((r) => {
                  const expanded = open === r.id;
                  return (
                    <Fragment key={r.id}>
                      <TableRow>
                        <TableCell className="w-10 pr-0">
                          <Button
                            variant="ghost"
                            size="icon"
                            className="size-7"
                            aria-expanded={expanded}
                            aria-controls={`audit-${r.id}`}
                            aria-label={`${expanded ? "Hide" : "Show"} details of ${r.action} by ${r.actor}`}
                            onClick={() => setOpen(expanded ? null : r.id)}
                          >
                            {expanded ? <ChevronDown aria-hidden="true" /> : <ChevronRight aria-hidden="true" />}
                          </Button>
                        </TableCell>
                        <TableCell className="whitespace-nowrap">
                          <RelativeTime value={r.at} />
                        </TableCell>
                        <TableCell className="max-w-40 truncate">{r.actor}</TableCell>
                        <TableCell className="font-mono text-xs">{r.action}</TableCell>
                        <TableCell className="hidden text-xs text-muted-foreground md:table-cell">
                          {r.target_type ? `${r.target_type.replace(/_/g, " ")} ` : ""}
                          <span className="font-mono">{r.target_id?.slice(0, 8) ?? ""}</span>
                        </TableCell>
                      </TableRow>
                      {expanded ? (
                        <TableRow id={`audit-${r.id}`} className="bg-muted/40 hover:bg-muted/40">
                          <TableCell colSpan={5}>
                            <dl className="grid gap-x-4 gap-y-1 text-xs sm:grid-cols-[8rem_1fr]">
                              <dt className="text-muted-foreground">Time</dt>
                              <dd>{formatAbsolute(r.at)}</dd>
                              <dt className="text-muted-foreground">Target</dt>
                              <dd className="font-mono break-all">
                                {r.target_type ?? "—"} {r.target_id ?? ""}
                              </dd>
                              <dt className="text-muted-foreground">Address</dt>
                              <dd className="font-mono">{r.ip ?? "—"}</dd>
                              <dt className="text-muted-foreground">Request</dt>
                              <dd className="font-mono break-all">{r.request_id ?? "—"}</dd>
                              <dt className="text-muted-foreground">Details</dt>
                              <dd>
                                <pre className="overflow-x-auto rounded bg-background p-2 font-mono text-xs whitespace-pre-wrap">
                                  {JSON.stringify(r.details, null, 2)}
                                </pre>
                              </dd>
                            </dl>
                          </TableCell>
                        </TableRow>
                      ) : null}
                    </Fragment>
                  );
                })}
              </TableBody>
            </Table>
          </div>
          <Pagination
            page={params.page}
            perPage={PER_PAGE}
            total={logs.data.total}
            onPage={(p) => update({ page: p > 1 ? String(p) : null }, false)}
            label="Audit log pages"
          />
        </div>
      )}
    </>
  );
}

export function Component() {
  return (
    <AdminOnly>
      <AuditPage />
    </AdminOnly>
  );
}
