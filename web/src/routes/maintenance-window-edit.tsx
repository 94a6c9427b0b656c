/** One maintenance window: its next occurrences, and its settings to change or delete. */
import { ArrowLeft, SearchX, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { RelativeTime } from "@/components/relative-time";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { WindowForm } from "@/components/window-form";
import { errorText } from "@/lib/error-text";
import { describeSchedule, windowDraft } from "@/lib/schedule";
import { describeSelector } from "@/lib/selector";
import { formatAbsolute, formatDuration } from "@/lib/time";
import { useDeleteWindow, useOccurrences, useUpdateWindow, useWindow } from "@/queries/maintenance-windows";
import { canEdit, useUser } from "@/session/use-session";

function NextOccurrences({ id }: { id: string }) {
  const occurrences = useOccurrences(id, 30);
  return (
    <Card className="max-w-3xl">
      <CardHeader>
        <CardTitle>Next 30 days</CardTitle>
      </CardHeader>
      <CardContent>
        {occurrences.isPending ? (
          <Skeleton className="h-16" />
        ) : occurrences.isError ? (
          <p className="text-sm text-destructive-text">{occurrences.error.message}</p>
        ) : occurrences.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">Not open in the next 30 days.</p>
        ) : (
          <ol className="flex flex-col gap-1 text-sm">
            {occurrences.data.slice(0, 12).map((o) => (
              <li key={o.start}>
                {formatAbsolute(o.start)}{" "}
                <span className="text-muted-foreground">
                  for {formatDuration((new Date(o.end).getTime() - new Date(o.start).getTime()) / 1000)} ·{" "}
                  <RelativeTime value={o.start} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}

export function Component() {
  const { id = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const w = useWindow(id);
  const update = useUpdateWindow(id);
  const remove = useDeleteWindow();
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const initial = useMemo(() => (w.data ? windowDraft(w.data) : null), [w.data?.id, w.data?.updated_at]);

  if (w.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (w.isError || !initial) {
    const missing = w.error instanceof ApiError && w.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Window not found" : "Could not load this window"}
        action={
          <Button variant="outline" asChild>
            <Link to="/maintenance-windows">Back to windows</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : w.error?.message}
      </EmptyState>
    );
  }
  const data = w.data;
  const editor = canEdit(user);

  return (
    <>
      <Link
        to="/maintenance-windows"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Maintenance windows
      </Link>
      <PageHeader
        title={data.name}
        description={`${describeSchedule(data.schedule, data.timezone)}${data.schedule.type !== "once" ? ` (${data.timezone})` : ""} · ${describeSelector(data.targets)}`}
        actions={
          editor ? (
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
          ) : null
        }
      />
      <div className="flex flex-col gap-4">
        <NextOccurrences id={id} />
        {editor ? (
          <>
            <h2 className="text-lg font-semibold">Settings</h2>
            <WindowForm
              key={`${id}:${data.updated_at}`}
              initial={initial}
              submitLabel="Save changes"
              cancelTo="/maintenance-windows"
              onSubmit={async (body) => {
                const saved = await update.mutateAsync(body);
                toast("success", `Saved ${saved.name}`);
              }}
            />
          </>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${data.name}?`}
        description="If it is open now, its monitors leave maintenance at once and may alert."
        confirmLabel="Delete window"
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(id, {
            onSuccess: () => {
              toast("success", `Deleted ${data.name}`);
              navigate("/maintenance-windows", { replace: true });
            },
            onError: (error) => setDeleteError(errorText(error, "This window")),
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
