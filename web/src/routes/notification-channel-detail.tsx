/**
 * One notification channel: its settings (secrets masked), a test message with the
 * provider's answer, and its delivery log with a retry for messages that went dead.
 */
import { ArrowLeft, KeyRound, Pencil, RotateCcw, SearchX, Send, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError } from "@/api/envelope";
import type { components } from "@/api/schema";
import { CopyButton } from "@/components/copy-button";
import { DELIVERY_STATUSES, DeliveryBadge, deliveryLabel } from "@/components/delivery-status";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Pagination } from "@/components/pagination";
import { RelativeTime } from "@/components/relative-time";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { CHANNEL_TYPES, channelTypeLabel, type Channel, type ChannelType } from "@/lib/channel-form";
import { errorText } from "@/lib/error-text";
import { formatDuration } from "@/lib/time";
import { useChannel, useDeleteChannel, useNotifications, useRetryNotification, useTestChannel } from "@/queries/channels";
import { canEdit, useUser } from "@/session/use-session";

type TestOutcome = components["schemas"]["TestOutcome"];
const PER_PAGE = 25;

function Settings({ channel }: { channel: Channel }) {
  const info = CHANNEL_TYPES[channel.type as ChannelType];
  const config = (channel.config ?? {}) as Record<string, unknown>;
  const rows: [string, string][] = [];
  for (const field of info?.fields ?? []) {
    const value = config[field.key];
    if (value === undefined || value === null || value === "") continue;
    if (field.kind === "pairs") {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length) rows.push([field.label, entries.map(([k, v]) => `${k}: ${String(v)}`).join(", ")]);
    } else if (Array.isArray(value)) {
      if (value.length) rows.push([field.label, value.join(", ")]);
    } else rows.push([field.label, String(value)]);
  }
  rows.push([
    "Group alerts for",
    channel.group_wait_s ? formatDuration(channel.group_wait_s) : "No grouping: each alert at once",
  ]);
  rows.push(["Delivery attempts", String(channel.max_attempts)]);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Settings</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-muted-foreground">{label}</dt>
              <dd className="min-w-0 font-mono text-xs break-all">{value}</dd>
            </div>
          ))}
        </dl>
      </CardContent>
    </Card>
  );
}

function TestResult({ outcome }: { outcome: TestOutcome }) {
  const ok = outcome.status === "sent";
  return (
    <div
      role="status"
      className={
        ok
          ? "rounded-md border border-up/50 bg-up-soft px-3 py-2 text-sm text-up-text"
          : "rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text"
      }
    >
      <p className="font-medium">
        {ok ? "Test message delivered" : "Test message failed"}
        {outcome.status_code ? ` (HTTP ${outcome.status_code})` : ""}
      </p>
      {outcome.error ? <p className="mt-0.5 break-words">{outcome.error}</p> : null}
    </div>
  );
}

function DeliveryLog({ channelId, editor }: { channelId: string; editor: boolean }) {
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const status = search.get("status") ?? "";
  const log = useNotifications(
    { page, per_page: PER_PAGE, channel_id: channelId, ...(status ? { status } : {}) },
    { refetchInterval: 15_000 },
  );
  const retry = useRetryNotification();
  const set = (changes: Record<string, string | null>) =>
    setSearch(
      (old) => {
        const next = new URLSearchParams(old);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        return next;
      },
      { replace: true },
    );

  return (
    <Card id="deliveries">
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle>Delivery log</CardTitle>
        <div className="flex items-center gap-2">
          <Label htmlFor="delivery-status" className="text-sm text-muted-foreground">
            Status
          </Label>
          <NativeSelect
            id="delivery-status"
            className="w-36"
            value={status}
            onChange={(e) => set({ status: e.target.value || null, page: null })}
          >
            <option value="">All</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {deliveryLabel(s)}
              </option>
            ))}
          </NativeSelect>
        </div>
      </CardHeader>
      <CardContent>
        {log.isPending ? (
          <Skeleton className="h-24" />
        ) : log.isError ? (
          <p className="text-sm text-destructive-text">Could not load the log: {log.error.message}</p>
        ) : log.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            {status
              ? `No ${deliveryLabel(status).toLowerCase()} messages.`
              : "Nothing sent yet. Send a test message to check the channel."}
          </p>
        ) : (
          <>
            <Table>
              <caption className="sr-only">Messages to this channel, newest first</caption>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead scope="col">When</TableHead>
                  <TableHead scope="col">Status</TableHead>
                  <TableHead scope="col" className="hidden sm:table-cell">
                    Event
                  </TableHead>
                  <TableHead scope="col" className="text-right">
                    Tries
                  </TableHead>
                  <TableHead scope="col" className="hidden md:table-cell">
                    Last answer
                  </TableHead>
                  <TableHead scope="col">
                    <span className="sr-only">Actions</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {log.data.items.map((n) => (
                  <TableRow key={n.id}>
                    <TableCell className="whitespace-nowrap">
                      <RelativeTime value={n.created_at} />
                    </TableCell>
                    <TableCell>
                      <DeliveryBadge status={n.status} />
                      {n.last_error ? (
                        <span className="mt-1 block max-w-72 text-xs break-words text-muted-foreground md:hidden">
                          {n.last_error}
                        </span>
                      ) : null}
                    </TableCell>
                    <TableCell className="hidden capitalize sm:table-cell">{n.event}</TableCell>
                    <TableCell className="text-right tabular-nums">{n.attempts}</TableCell>
                    <TableCell className="hidden max-w-96 text-xs md:table-cell">
                      {n.last_status_code ? <span className="font-mono">HTTP {n.last_status_code} </span> : null}
                      <span className="break-words text-muted-foreground">{n.last_error ?? (n.sent_at ? "Accepted" : "—")}</span>
                    </TableCell>
                    <TableCell className="text-right">
                      {editor && n.status === "dead" ? (
                        <Button
                          variant="outline"
                          size="sm"
                          disabled={retry.isPending && retry.variables === n.id}
                          onClick={() =>
                            retry.mutate(n.id, {
                              onSuccess: () => toast("success", "Queued again", "It is sent with fresh attempts."),
                              onError: (error) => toast("error", "Could not retry", errorText(error, "This message")),
                            })
                          }
                        >
                          <RotateCcw aria-hidden="true" />
                          Retry
                        </Button>
                      ) : null}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Pagination
              page={page}
              perPage={PER_PAGE}
              total={log.data.total}
              onPage={(p) => set({ page: p > 1 ? String(p) : null })}
              label="Delivery log pages"
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const location = useLocation();
  const channel = useChannel(id);
  const test = useTestChannel(id);
  const remove = useDeleteChannel();
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const generatedSecret = (location.state as { secret?: string } | null)?.secret ?? null;
  const editor = canEdit(user);

  if (channel.isPending) return <Skeleton className="h-96" />;
  if (channel.isError) {
    const missing = channel.error instanceof ApiError && channel.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Channel not found" : "Could not load this channel"}
        action={
          <Button variant="outline" asChild>
            <Link to="/notification-channels">Back to channels</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : channel.error.message}
      </EmptyState>
    );
  }
  const c = channel.data;

  return (
    <>
      <Link
        to="/notification-channels"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Notification channels
      </Link>
      <PageHeader
        title={c.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            {channelTypeLabel(c.type)}
            {c.default ? <Badge className="bg-muted text-foreground">Default</Badge> : null}
            {!c.enabled ? <Badge className="bg-paused-soft text-paused-text">Off</Badge> : null}
          </span>
        }
        actions={
          editor ? (
            <>
              <Button
                onClick={() =>
                  test.mutate(undefined, {
                    onError: (error) => toast("error", "Could not send a test", errorText(error)),
                  })
                }
                disabled={test.isPending}
              >
                <Send aria-hidden="true" />
                {test.isPending ? "Sending…" : "Send test"}
              </Button>
              <Button variant="outline" asChild>
                <Link to={`/notification-channels/${id}/edit`}>
                  <Pencil aria-hidden="true" />
                  Edit
                </Link>
              </Button>
              <Button
                variant="outline"
                onClick={() => {
                  setDeleteError(null);
                  setConfirming(true);
                }}
              >
                <Trash2 aria-hidden="true" />
                Delete
              </Button>
            </>
          ) : null
        }
      />
      <div className="flex flex-col gap-4">
        {generatedSecret ? (
          <div className="rounded-md border border-pending/50 bg-pending-soft p-3 text-sm text-pending-text" role="status">
            <p className="flex items-center gap-2 font-medium">
              <KeyRound className="size-4" aria-hidden="true" />
              Signing secret, shown once
            </p>
            <p className="mt-1">
              Give it to the receiver to check the webhook-signature header. It is stored hidden and cannot be shown again.
            </p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code className="rounded bg-background px-2 py-1 font-mono text-xs break-all text-foreground">
                {generatedSecret}
              </code>
              <CopyButton text={generatedSecret} label="Copy secret" />
            </div>
          </div>
        ) : null}
        {test.data ? <TestResult outcome={test.data} /> : null}
        <Settings channel={c} />
        <DeliveryLog channelId={id} editor={editor} />
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${c.name}?`}
        description="Its settings and secrets are removed. Rules that name it must be changed first."
        confirmLabel="Delete channel"
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(id, {
            onSuccess: () => {
              toast("success", `Deleted ${c.name}`);
              navigate("/notification-channels", { replace: true });
            },
            onError: (error) => setDeleteError(errorText(error, "This channel")),
          })
        }
      >
        {deleteError ? (
          <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
            {deleteError}
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
