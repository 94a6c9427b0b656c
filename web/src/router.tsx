/**
 * Routes: one file per page under `routes/`, each loaded on first visit (its own chunk),
 * so the first load carries the shell and the dashboard only.
 */
import { createBrowserRouter, Outlet } from "react-router";
import { AppShell } from "@/components/app-shell";
import { RedirectIfSignedIn, RequireSession, Splash } from "@/components/session-gate";
import { LiveProvider } from "@/live/provider";
import { ThemeSync } from "@/theme/theme-sync";
import { RouteError } from "@/routes/error";

function SignedIn() {
  return (
    <RequireSession>
      <ThemeSync />
      <LiveProvider>
        <AppShell />
      </LiveProvider>
    </RequireSession>
  );
}

function SignedOut() {
  return (
    <RedirectIfSignedIn>
      <Outlet />
    </RedirectIfSignedIn>
  );
}

export const router = createBrowserRouter([
  {
    errorElement: <RouteError />,
    // Shown while the first page's code loads.
    hydrateFallbackElement: <Splash />,
    children: [
      {
        element: <SignedOut />,
        children: [
          { path: "/login", lazy: () => import("@/routes/login") },
          { path: "/setup", lazy: () => import("@/routes/setup") },
          { path: "/forgot-password", lazy: () => import("@/routes/forgot-password") },
        ],
      },
      // Reachable signed in or not: the link in the e-mail must work either way.
      { path: "/reset-password", lazy: () => import("@/routes/reset-password") },
      {
        element: <SignedIn />,
        children: [
          {
            errorElement: <RouteError />,
            children: [
              { index: true, lazy: () => import("@/routes/dashboard") },
              { path: "services", lazy: () => import("@/routes/services") },
              { path: "services/new", lazy: () => import("@/routes/service-new") },
              { path: "services/:id", lazy: () => import("@/routes/service-detail") },
              { path: "services/:id/edit", lazy: () => import("@/routes/service-edit") },
              { path: "*", lazy: () => import("@/routes/not-found") },
            ],
          },
        ],
      },
    ],
  },
]);
