/**
 * The page as visitors see it, framed. A private page opens through a signed view link
 * (asked for each time the preview loads), which sets its cookie and redirects to it.
 * Its forms are switched off, so trying the preview files no report.
 */
import { useQuery } from "@tanstack/react-query";
import { RotateCw } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { pagePath, type StatusPage } from "@/lib/status-pages";
import { statusPageKeys, viewLink } from "@/queries/status-pages";
import { OpenPageLink } from "./page-links";

export function PagePreview({ page }: { page: StatusPage }) {
  const [round, setRound] = useState(0);
  const source = useQuery({
    queryKey: [...statusPageKeys.detail(page.id), "preview", page.visibility, page.slug, page.updated_at, round],
    queryFn: () => (page.visibility === "private" ? viewLink(page.id) : Promise.resolve(pagePath(page.slug))),
    // A view link is good for a minute and used once: never reused from the cache.
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });

  return (
    <section aria-labelledby="preview-heading" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="preview-heading" className="text-base font-semibold">
            Preview
          </h2>
          <p className="text-sm text-muted-foreground">
            {page.visibility === "private"
              ? "Private: shown to you through a link that lasts while you stay signed in."
              : "Exactly what visitors see."}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" onClick={() => setRound((n) => n + 1)} disabled={source.isFetching}>
            <RotateCw aria-hidden="true" />
            Reload preview
          </Button>
          <OpenPageLink page={page} label="Open page" />
        </div>
      </div>
      {source.isPending ? (
        <Skeleton className="h-[70vh] min-h-96" />
      ) : source.isError ? (
        <p role="alert" className="rounded-md border border-down/50 bg-down-soft px-3 py-2 text-sm text-down-text">
          Could not open the preview: {source.error.message}
        </p>
      ) : (
        <iframe
          key={`${source.data}:${round}`}
          src={source.data}
          title={`Preview of ${page.title}`}
          // No forms in the preview: a report or subscription sent from it would be real.
          sandbox="allow-same-origin allow-scripts"
          className="h-[70vh] min-h-96 w-full rounded-lg border bg-background"
        />
      )}
    </section>
  );
}
