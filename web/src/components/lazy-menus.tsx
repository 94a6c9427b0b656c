/**
 * The account menu and the mobile navigation drawer are loaded on first use (with their
 * menu and dialog primitives), so the dashboard's first load stays small. Until then a
 * plain button of the same look stands in; the first press loads the real one, opened.
 */
import { lazy, Suspense, useState, type ReactNode } from "react";
import { useUser } from "@/session/use-session";
import { AccountButton } from "./account-button";

const loadUserMenu = () => import("./user-menu");
const UserMenu = lazy(loadUserMenu);

export function LazyUserMenu() {
  const user = useUser();
  const [wanted, setWanted] = useState(false);
  const name = user.display_name || user.username;
  const placeholder = (
    <AccountButton
      name={name}
      aria-expanded={false}
      onPointerEnter={() => void loadUserMenu()}
      onFocus={() => void loadUserMenu()}
      onClick={() => setWanted(true)}
    />
  );
  if (!wanted) return placeholder;
  return (
    <Suspense fallback={placeholder}>
      <UserMenu defaultOpen />
    </Suspense>
  );
}

const loadDrawer = () => import("./nav-drawer");
const NavDrawer = lazy(loadDrawer);

/** The drawer, mounted once first opened. */
export function LazyNavDrawer({
  open,
  onOpenChange,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  children: ReactNode;
}) {
  const [mounted, setMounted] = useState(false);
  if (open && !mounted) setMounted(true);
  if (!mounted) return null;
  return (
    <Suspense fallback={null}>
      <NavDrawer open={open} onOpenChange={onOpenChange}>
        {children}
      </NavDrawer>
    </Suspense>
  );
}

export { loadDrawer };
