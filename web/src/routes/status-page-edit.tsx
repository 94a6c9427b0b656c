/** A status page's settings and sections, to change. */
import { ArrowLeft, SearchX } from "lucide-react";
import { useMemo } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "@/api/envelope";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { PageForm } from "@/components/status-page/page-form";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { pageDraft } from "@/lib/status-pages";
import { useStatusPage, useUpdateStatusPage } from "@/queries/status-pages";

export function Component() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const page = useStatusPage(id);
  const update = useUpdateStatusPage(id);
  const initial = useMemo(() => (page.data ? pageDraft(page.data) : null), [page.data?.id, page.data?.updated_at]);

  if (page.isPending) return <Skeleton className="h-96 max-w-3xl" />;
  if (page.isError || !initial) {
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
        {missing ? "It may have been deleted." : page.error?.message}
      </EmptyState>
    );
  }

  return (
    <>
      <Link
        to={`/status-pages/${id}`}
        className="mb-2 inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground"
      >
        <ArrowLeft className="size-4" aria-hidden="true" />
        {page.data.title}
      </Link>
      <PageHeader title={`Edit ${page.data.title}`} />
      <PageForm
        key={`${id}:${page.data.updated_at}`}
        initial={initial}
        submitLabel="Save changes"
        cancelTo={`/status-pages/${id}`}
        onSubmit={async (body) => {
          const saved = await update.mutateAsync(body);
          toast("success", `Saved ${saved.title}`);
          navigate(`/status-pages/${id}`);
        }}
      />
    </>
  );
}
