/**
 * The signed-in frame: sidebar navigation (a drawer below 768 px), the top bar with the
 * command palette and the user menu, the live-updates banner, and the page.
 */
import { Menu, Search, WifiOff } from "lucide-react";
import { lazy, Suspense, useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/cn";
import { useLiveStatus } from "@/live/provider";
import { useUser } from "@/session/use-session";
import { navFor } from "./nav";
import { Logo } from "./session-gate";
import { LazyNavDrawer, LazyUserMenu, loadDrawer } from "./lazy-menus";

const CommandPalette = lazy(() => import("./command-palette"));

function NavList({ onNavigate }: { onNavigate?: () => void }) {
  const user = useUser();
  return (
    <ul className="flex flex-col gap-0.5">
      {navFor(user.role).map((entry) => (
        <li key={entry.to}>
          <NavLink
            to={entry.to}
            end={entry.to === "/"}
            onClick={onNavigate}
            className={({ isActive }) =>
              cn(
                "flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm font-medium text-sidebar-foreground hover:bg-accent hover:text-accent-foreground",
                isActive && "bg-accent text-accent-foreground",
              )
            }
          >
            <entry.icon className="size-4 shrink-0" aria-hidden="true" />
            {entry.label}
          </NavLink>
        </li>
      ))}
    </ul>
  );
}

function Brand() {
  return (
    <NavLink to="/" className="flex items-center gap-2 px-2.5 py-1 text-primary-text">
      <Logo className="size-6" />
      <span className="text-base font-semibold text-foreground">Monitron</span>
    </NavLink>
  );
}

function LiveBanner() {
  const status = useLiveStatus();
  if (status !== "reconnecting") return null;
  return (
    <div
      role="status"
      className="flex items-center gap-2 border-b border-pending/50 bg-pending-soft px-4 py-1.5 text-sm text-pending-text"
    >
      <WifiOff className="size-4" aria-hidden="true" />
      Live updates lost — reconnecting…
    </div>
  );
}

export function AppShell() {
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [paletteLoaded, setPaletteLoaded] = useState(false);
  const location = useLocation();

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setPaletteLoaded(true);
        setPaletteOpen((open) => !open);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // A new page starts at the top, with the drawer closed.
  useEffect(() => {
    setDrawerOpen(false);
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [location.pathname]);

  const openPalette = () => {
    setPaletteLoaded(true);
    setPaletteOpen(true);
  };

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      <aside className="sticky top-0 hidden h-screen w-56 shrink-0 flex-col gap-4 border-r bg-sidebar p-3 md:flex">
        <Brand />
        <nav aria-label="Main" className="flex-1 overflow-y-auto">
          <NavList />
        </nav>
      </aside>

      <LazyNavDrawer open={drawerOpen} onOpenChange={setDrawerOpen}>
        <Brand />
        <nav aria-label="Main" className="flex-1 overflow-y-auto">
          <NavList onNavigate={() => setDrawerOpen(false)} />
        </nav>
      </LazyNavDrawer>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b bg-background/95 px-3 backdrop-blur sm:px-4">
          <Button
            variant="ghost"
            size="icon"
            className="md:hidden"
            aria-label="Open navigation"
            onPointerEnter={() => void loadDrawer()}
            onClick={() => setDrawerOpen(true)}
          >
            <Menu aria-hidden="true" />
          </Button>
          <Button
            variant="outline"
            className="h-9 flex-1 justify-start text-muted-foreground sm:max-w-xs"
            onClick={openPalette}
            aria-keyshortcuts="Control+K Meta+K"
          >
            <Search aria-hidden="true" />
            <span className="truncate">Search or jump to…</span>
            <kbd className="ml-auto hidden rounded border bg-muted px-1.5 text-[10px] font-medium sm:inline">Ctrl K</kbd>
          </Button>
          <div className="ml-auto">
            <LazyUserMenu />
          </div>
        </header>
        <LiveBanner />
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 p-3 outline-none sm:p-6">
          <Outlet />
        </main>
      </div>
      {paletteLoaded ? (
        <Suspense fallback={null}>
          <CommandPalette open={paletteOpen} onOpenChange={setPaletteOpen} />
        </Suspense>
      ) : null}
    </div>
  );
}
