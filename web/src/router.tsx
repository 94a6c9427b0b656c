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
              { path: "domains", lazy: () => import("@/routes/domains") },
              { path: "domains/new", lazy: () => import("@/routes/domain-new") },
              { path: "domains/:id", lazy: () => import("@/routes/domain-detail") },
              { path: "domains/:id/edit", lazy: () => import("@/routes/domain-edit") },
              { path: "instances", lazy: () => import("@/routes/instances") },
              { path: "instances/new", lazy: () => import("@/routes/instance-new") },
              { path: "instances/:id", lazy: () => import("@/routes/instance-detail") },
              { path: "instances/:id/edit", lazy: () => import("@/routes/instance-edit") },
              { path: "status-pages", lazy: () => import("@/routes/status-pages") },
              { path: "status-pages/components", lazy: () => import("@/routes/status-page-components") },
              { path: "status-pages/new", lazy: () => import("@/routes/status-page-new") },
              { path: "status-pages/:id/edit", lazy: () => import("@/routes/status-page-edit") },
              { path: "status-pages/:id/:tab?", lazy: () => import("@/routes/status-page-detail") },
              { path: "incidents", lazy: () => import("@/routes/incidents") },
              { path: "incidents/:id", lazy: () => import("@/routes/incident-detail") },
              { path: "alerts", lazy: () => import("@/routes/alerts") },
              { path: "alerts/:id", lazy: () => import("@/routes/alert-detail") },
              { path: "notification-channels", lazy: () => import("@/routes/notification-channels") },
              { path: "notification-channels/new", lazy: () => import("@/routes/notification-channel-new") },
              { path: "notification-channels/:id", lazy: () => import("@/routes/notification-channel-detail") },
              { path: "notification-channels/:id/edit", lazy: () => import("@/routes/notification-channel-edit") },
              { path: "alert-rules", lazy: () => import("@/routes/alert-rules") },
              { path: "alert-rules/new", lazy: () => import("@/routes/alert-rule-new") },
              { path: "alert-rules/:id", lazy: () => import("@/routes/alert-rule-edit") },
              { path: "escalation-policies", lazy: () => import("@/routes/escalation-policies") },
              { path: "escalation-policies/new", lazy: () => import("@/routes/escalation-policy-new") },
              { path: "escalation-policies/:id", lazy: () => import("@/routes/escalation-policy-edit") },
              { path: "maintenance-windows", lazy: () => import("@/routes/maintenance-windows") },
              { path: "maintenance-windows/new", lazy: () => import("@/routes/maintenance-window-new") },
              { path: "maintenance-windows/:id", lazy: () => import("@/routes/maintenance-window-edit") },
              { path: "users", lazy: () => import("@/routes/users") },
              { path: "users/:id", lazy: () => import("@/routes/user-detail") },
              { path: "audit-log", lazy: () => import("@/routes/audit-log") },
              { path: "settings", lazy: () => import("@/routes/settings") },
              { path: "profile", lazy: () => import("@/routes/profile") },
              { path: "profile/password", lazy: () => import("@/routes/profile-password") },
              { path: "profile/preferences", lazy: () => import("@/routes/profile-preferences") },
              { path: "profile/api-keys", lazy: () => import("@/routes/profile-api-keys") },
              { path: "*", lazy: () => import("@/routes/not-found") },
            ],
          },
        ],
      },
    ],
  },
]);
