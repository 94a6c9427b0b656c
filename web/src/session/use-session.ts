import { useSyncExternalStore } from "react";
import { session } from "@/api/client";
import type { SessionState, SessionUser } from "@/api/session";

/** The session's state, re-rendering when it changes. */
export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getSnapshot);
}

/** The signed-in user; only for components rendered inside the signed-in shell. */
export function useUser(): SessionUser {
  const state = useSession();
  if (state.status !== "signed-in") throw new Error("useUser outside a signed-in page");
  return state.user;
}

/** Whether the user may change monitors (editors and administrators). */
export function canEdit(user: SessionUser): boolean {
  return user.role === "admin" || user.role === "editor";
}
