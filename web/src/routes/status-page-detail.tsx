/**
 * One status page: a preview of it as visitors see it, its incidents and announcements,
 * the reports visitors filed, its subscribers (editors), and the addresses and badges to
 * share. Each tab has its own address (`/status-pages/{id}/incidents`).
 */
import { ArrowLeft, Pencil, SearchX, Trash2 } from "lucide-react";
import { useState } from "react";
import { Link, Navigate, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { PageIncidents } from "@/components/status-page/incidents";
import { PageLinks } from "@/components/status-page/links";
import { OpenPageLink, VisibilityBadge } from "@/components/status-page/page-links";
import { PagePreview } from "@/components/status-page/preview";
import { PageReports } from "@/components/status-page/reports";
import { PageSubscribers } from "@/components/status-page/subscribers";
import { TabNav } from "@/components/tab-nav";
import { ConfirmDialog } from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { errorText } from "@/lib/error-text";
import { formatCount } from "@/lib/format";
import { componentIdsOf } from "@/lib/status-pages";
import { useDeleteStatusPage, useStatusPage } from "@/queries/status-pages";
import { canEdit, useUser } from "@/session/use-session";

const TABS = ["", "incidents", "reports", "subscribers", "links"] as const;
type TabName = (typeof TABS)[number];

const TAB_LABEL: Record<TabName, string> = {
  "": "Preview",
  incidents: "Incidents",
  reports: "Visitor reports",
  subscribers: "Subscribers",
  links: "Links and badges",
};

export function Component() {
  const { id = "", tab = "" } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const page = useStatusPage(id);
  const remove = useDeleteStatusPage();
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const editor = canEdit(user);
  const tabs = TABS.filter((t) => t !== "subscribers" || editor);

  if (!(tabs as readonly string[]).includes(tab)) return <Navigate to={`/status-pages/${id}`} replace />;
  if (page.isPending) return <Skeleton className="h-96" />;
  if (page.isError) {
    const missing = page.error instanceof ApiError && page.error.status === 404;
    return (
      <EmptyState
        icon={SearchX}
        title={missing ? "Status page not found" : "Could not load this status page"}
        action={
          <Button variant="outline" asChild>
            <Link to="/status-pages">Back to status pages</Link>
          </Button>
        }
      >
        {missing ? "It may have been deleted." : page.error.message}
      </EmptyState>
    );
  }
  const p = page.data;
  const components = componentIdsOf(p.sections).length;
  const current = tab as TabName;

  return (
    <>
      <Link
        to="/status-pages"
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        Status pages
      </Link>
      <PageHeader
        title={p.title}
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="font-mono text-xs">/status/{p.slug}</span>
            <VisibilityBadge visibility={p.visibility} />
            <span>
              {formatCount(components)} {components === 1 ? "component" : "components"} · {formatCount(p.subscribers)}{" "}
              {p.subscribers === 1 ? "subscriber" : "subscribers"}
            </span>
          </span>
        }
        actions={
          <>
            <OpenPageLink page={p} label="Open page" />
            {editor ? (
              <>
                <Button variant="outline" size="sm" asChild>
                  <Link to={`/status-pages/${id}/edit`}>
                    <Pencil aria-hidden="true" />
                    Edit
                  </Link>
                </Button>
                <Button
                  variant="outline"
                  size="sm"
                  onClick={() => {
                    setDeleteError(null);
                    setConfirming(true);
                  }}
                >
                  <Trash2 aria-hidden="true" />
                  Delete
                </Button>
              </>
            ) : null}
          </>
        }
      />
      <TabNav
        label={`${p.title} sections`}
        tabs={tabs.map((t) => ({ to: t ? `/status-pages/${id}/${t}` : `/status-pages/${id}`, label: TAB_LABEL[t] }))}
      />
      {current === "" ? <PagePreview page={p} /> : null}
      {current === "incidents" ? <PageIncidents page={p} editor={editor} /> : null}
      {current === "reports" ? <PageReports page={p} /> : null}
      {current === "subscribers" ? <PageSubscribers page={p} /> : null}
      {current === "links" ? <PageLinks page={p} /> : null}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${p.title}?`}
        description={`Its address /status/${p.slug} stops answering; its incidents, visitor reports and subscribers go with it. Components stay.`}
        confirmLabel="Delete page"
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(id, {
            onSuccess: () => {
              toast("success", `Deleted ${p.title}`);
              navigate("/status-pages", { replace: true });
            },
            onError: (error) => setDeleteError(errorText(error, "This page")),
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
