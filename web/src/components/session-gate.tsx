/**
 * Who may see what: signed-in pages send visitors to `/login?next=<where they were>`,
 * sign-in pages send signed-in users on (to `next` only when it is a path of this site; a
 * private status page through its view link), and nothing renders until the start-up
 * refresh has said whether a session exists (a splash covers that moment).
 */
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, useLocation, useSearchParams } from "react-router";
import { sameOriginPath, statusPageSlug } from "@/lib/next-path";
import { useSession } from "@/session/use-session";

// Only a private status page's visitors need it.
const OpenStatusPage = lazy(() => import("./open-status-page"));

export function Splash() {
  return (
    <div className="flex min-h-screen items-center justify-center" role="status" aria-live="polite">
      <div className="flex flex-col items-center gap-3 text-muted-foreground">
        <Logo className="size-10 animate-pulse text-primary-text" />
        <p className="text-sm">Loading Monitron…</p>
      </div>
    </div>
  );
}

export function Logo({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={className} aria-hidden="true" fill="none" stroke="currentColor" strokeWidth={2.5}>
      <path d="M2 17h6l3-8 5 15 4-11 2 4h8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** The path to return to after signing in, if it is one of ours. */
export function safeNext(next: string | null): string {
  return sameOriginPath(next, window.location.origin) ?? "/";
}

export function RequireSession({ children }: { children: ReactNode }) {
  const state = useSession();
  const location = useLocation();
  if (state.status === "restoring") return <Splash />;
  if (state.status === "signed-out") {
    const here = location.pathname + location.search;
    const to = state.reason === "signed-out" || here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace />;
  }
  return <>{children}</>;
}

export function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const state = useSession();
  const [params] = useSearchParams();
  if (state.status === "restoring") return <Splash />;
  if (state.status === "signed-in") {
    const next = safeNext(params.get("next"));
    const slug = statusPageSlug(next);
    if (slug) {
      return (
        <Suspense fallback={<Splash />}>
          <OpenStatusPage slug={slug} />
        </Suspense>
      );
    }
    return <Navigate to={next} replace />;
  }
  return <>{children}</>;
}
