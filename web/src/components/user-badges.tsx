/** A user's role and account status in words. */
import { ShieldAlert } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import type { Role } from "@/queries/users";
import { useUser } from "@/session/use-session";
import { EmptyState } from "./empty-state";

export const ROLE_LABEL: Record<Role, string> = { viewer: "Viewer", editor: "Editor", admin: "Administrator" };

export function StatusPill({ status }: { status: string }) {
  return status === "active" ? (
    <Badge className="border-up/40 bg-up-soft text-up-text">Active</Badge>
  ) : (
    <Badge className="border-paused/40 bg-paused-soft text-paused-text">Deactivated</Badge>
  );
}

/** Renders its page for administrators; others are told why they see nothing. */
export function AdminOnly({ children }: { children: ReactNode }) {
  const user = useUser();
  if (user.role !== "admin") {
    return (
      <EmptyState icon={ShieldAlert} title="Administrators only">
        Ask an administrator if you need this page.
      </EmptyState>
    );
  }
  return <>{children}</>;
}
