/**
 * After signing in for a private status page (the page sent the visitor to
 * `/login?next=/status/{slug}`): the page is looked up by its slug and opened through a
 * signed view link, which sets its cookie. Should the page send the browser back here at
 * once, the loop stops and says so.
 */
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { errorText } from "@/lib/error-text";
import { viewLinkBySlug } from "@/queries/status-pages";
import { AuthLayout } from "./auth-layout";
import { Splash } from "./session-gate";

/** A second try within this time means the page did not take its link. */
const LOOP_MS = 10_000;

function triedKey(slug: string): string {
  return `monitron.status-view.${slug}`;
}

export default function OpenStatusPage({ slug }: { slug: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    let cancelled = false;
    const tried = Number(sessionStorage.getItem(triedKey(slug)) ?? 0);
    if (round === 0 && Date.now() - tried < LOOP_MS) {
      setProblem("The status page sent you back here after you signed in. Your browser may be refusing its cookie.");
      return;
    }
    setProblem(null);
    viewLinkBySlug(slug).then(
      (url) => {
        if (cancelled) return;
        if (!url) {
          setProblem(
            `There is no status page at /status/${slug} that you may open. It may have been renamed or deleted, or it shows monitors of groups you have no role in.`,
          );
          return;
        }
        sessionStorage.setItem(triedKey(slug), String(Date.now()));
        window.location.assign(url);
      },
      (error: unknown) => {
        if (!cancelled) setProblem(errorText(error, "The page"));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [slug, round]);

  if (!problem) return <Splash />;
  return (
    <AuthLayout title="The status page did not open">
      <p role="alert" className="text-sm">
        {problem}
      </p>
      <div className="mt-4 flex flex-wrap gap-2">
        <Button onClick={() => setRound((n) => n + 1)}>Try again</Button>
        <Button variant="outline" asChild>
          <Link to="/">Go to the dashboard</Link>
        </Button>
      </div>
    </AuthLayout>
  );
}
