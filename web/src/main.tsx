import "./index.css";
import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { session } from "@/api/client";
import { Toaster } from "@/components/ui/toast";
import { queryClient } from "@/queries/query-client";
import { router } from "@/router";
import { applyAppearance, readCachedAppearance } from "@/theme/theme";

applyAppearance(readCachedAppearance());
// A session ended anywhere (expired, revoked, signed out) leaves no data behind.
session.subscribe(() => {
  if (session.getSnapshot().status === "signed-out") queryClient.clear();
});
void session.restore();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toaster />
    </QueryClientProvider>
  </StrictMode>,
);
