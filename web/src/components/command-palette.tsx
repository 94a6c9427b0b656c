/**
 * The command palette (Ctrl/Cmd+K): jump to any page, find a service by name (asked of
 * the server, one short page at a time) and run the common actions, all from the keyboard.
 */
import { useQuery } from "@tanstack/react-query";
import { Command } from "cmdk";
import { Dialog as DialogPrimitive } from "radix-ui";
import { Monitor, Moon, Plus, Server, Sun } from "lucide-react";
import { KeyRound, Lock, Palette, UserRound } from "lucide-react";
import { Cpu, Globe } from "lucide-react";
import { useState, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { api } from "@/api/client";
import { unwrap } from "@/api/envelope";
import { useDebounced } from "@/lib/use-debounced";
import { usePreferences, useSavePreferences } from "@/queries/me";
import { monitorKeys } from "@/queries/monitors";
import { serviceKeys } from "@/queries/services";
import { canEdit, useUser } from "@/session/use-session";
import { readCachedAppearance, type ThemeMode } from "@/theme/theme";
import { navFor } from "./nav";
import { StatusDot } from "./status-badge";

interface Entry {
  id: string;
  label: string;
  keywords: string;
  icon: ReactNode;
  run: () => void;
}

function matches(entry: Entry, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (!needle) return true;
  return `${entry.label} ${entry.keywords}`.toLowerCase().includes(needle);
}

const itemClass =
  "flex cursor-default items-center gap-2 rounded-md px-2 py-2 text-sm select-none data-[selected=true]:bg-accent data-[selected=true]:text-accent-foreground [&_svg]:size-4 [&_svg]:shrink-0";

export default function CommandPalette({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const user = useUser();
  const navigate = useNavigate();
  const [search, setSearch] = useState("");
  const settled = useDebounced(search.trim(), 200);
  const preferences = usePreferences();
  const save = useSavePreferences();

  const services = useQuery({
    queryKey: serviceKeys.list({ page: 1, per_page: 8, sort: "name", q: settled }),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/services", { params: { query: { page: 1, per_page: 8, sort: "name", q: settled } }, signal })),
    enabled: open && settled.length > 0,
  });
  const domains = useQuery({
    queryKey: monitorKeys("domain").list({ page: 1, per_page: 5, sort: "name", q: settled }),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/domains", { params: { query: { page: 1, per_page: 5, sort: "name", q: settled } }, signal })),
    enabled: open && settled.length > 0,
  });
  const instances = useQuery({
    queryKey: monitorKeys("instance").list({ page: 1, per_page: 5, sort: "name", q: settled }),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/instances", { params: { query: { page: 1, per_page: 5, sort: "name", q: settled } }, signal })),
    enabled: open && settled.length > 0,
  });

  const go = (to: string) => {
    onOpenChange(false);
    setSearch("");
    navigate(to);
  };
  const setTheme = (theme: ThemeMode) => {
    onOpenChange(false);
    save.mutate({ ...(preferences.data ?? readCachedAppearance()), theme });
  };

  const pages: Entry[] = navFor(user.role).map((entry) => ({
    id: `page:${entry.to}`,
    label: entry.label,
    keywords: (entry.keywords ?? []).join(" "),
    icon: <entry.icon aria-hidden="true" />,
    run: () => go(entry.to),
  }));
  const actions: Entry[] = [
    ...(canEdit(user)
      ? [
          {
            id: "new-service",
            label: "Add service",
            keywords: "create new monitor http check",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/services/new"),
          },
          {
            id: "new-domain",
            label: "Add domain",
            keywords: "create new monitor expiry registration certificate",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/domains/new"),
          },
          {
            id: "new-instance",
            label: "Add instance",
            keywords: "create new host server agent install",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/instances/new"),
          },
        ]
      : []),
    ...(canEdit(user)
      ? [
          {
            id: "new-channel",
            label: "Add notification channel",
            keywords: "create new alerting email webhook slack telegram",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/notification-channels/new"),
          },
          {
            id: "new-rule",
            label: "Add alert rule",
            keywords: "create new alerting condition",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/alert-rules/new"),
          },
          {
            id: "new-window",
            label: "Plan maintenance window",
            keywords: "create new downtime schedule",
            icon: <Plus aria-hidden="true" />,
            run: () => go("/maintenance-windows/new"),
          },
        ]
      : []),
    {
      id: "account:profile",
      label: "Profile",
      keywords: "account name e-mail me",
      icon: <UserRound aria-hidden="true" />,
      run: () => go("/profile"),
    },
    {
      id: "account:password",
      label: "Change password",
      keywords: "account security",
      icon: <Lock aria-hidden="true" />,
      run: () => go("/profile/password"),
    },
    {
      id: "account:preferences",
      label: "Preferences",
      keywords: "account appearance theme colour color",
      icon: <Palette aria-hidden="true" />,
      run: () => go("/profile/preferences"),
    },
    {
      id: "account:api-keys",
      label: "API keys",
      keywords: "account tokens scripts",
      icon: <KeyRound aria-hidden="true" />,
      run: () => go("/profile/api-keys"),
    },
    {
      id: "theme-light",
      label: "Use light theme",
      keywords: "appearance",
      icon: <Sun aria-hidden="true" />,
      run: () => setTheme("light"),
    },
    {
      id: "theme-dark",
      label: "Use dark theme",
      keywords: "appearance night",
      icon: <Moon aria-hidden="true" />,
      run: () => setTheme("dark"),
    },
    {
      id: "theme-system",
      label: "Use system theme",
      keywords: "appearance auto",
      icon: <Monitor aria-hidden="true" />,
      run: () => setTheme("system"),
    },
  ];
  const shownPages = pages.filter((e) => matches(e, search));
  const shownActions = actions.filter((e) => matches(e, search));
  const found = settled ? (services.data?.items ?? []) : [];
  const others = settled
    ? [
        ...(domains.data?.items ?? []).map((m) => ({ ...m, path: `/domains/${m.id}`, icon: <Globe aria-hidden="true" /> })),
        ...(instances.data?.items ?? []).map((m) => ({ ...m, path: `/instances/${m.id}`, icon: <Cpu aria-hidden="true" /> })),
      ]
    : [];

  return (
    <DialogPrimitive.Root
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) setSearch("");
      }}
    >
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-50 bg-black/60" />
        <DialogPrimitive.Content className="fixed top-[12vh] left-1/2 z-50 w-[calc(100%-2rem)] max-w-lg -translate-x-1/2 overflow-hidden rounded-lg border bg-popover text-popover-foreground shadow-xl">
          <DialogPrimitive.Title className="sr-only">Command palette</DialogPrimitive.Title>
          <DialogPrimitive.Description className="sr-only">
            Type to find a page, a service or an action; use the arrow keys and Enter.
          </DialogPrimitive.Description>
          <Command shouldFilter={false} label="Command palette" loop>
            <Command.Input
              value={search}
              onValueChange={setSearch}
              placeholder="Go to a page, find a service…"
              className="h-12 w-full border-b bg-transparent px-4 text-sm outline-none placeholder:text-muted-foreground"
            />
            <Command.List className="max-h-[60vh] overflow-y-auto p-2">
              <Command.Empty className="px-2 py-6 text-center text-sm text-muted-foreground">
                {services.isFetching || domains.isFetching || instances.isFetching ? "Searching…" : "Nothing found."}
              </Command.Empty>
              {shownPages.length ? (
                <Command.Group
                  heading="Pages"
                  className="[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:text-muted-foreground"
                >
                  {shownPages.map((e) => (
                    <Command.Item key={e.id} value={e.id} onSelect={e.run} className={itemClass}>
                      {e.icon}
                      {e.label}
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
              {found.length ? (
                <Command.Group
                  heading="Services"
                  className="[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:text-muted-foreground"
                >
                  {found.map((s) => (
                    <Command.Item
                      key={s.id}
                      value={`service:${s.id}`}
                      onSelect={() => go(`/services/${s.id}`)}
                      className={itemClass}
                    >
                      <Server aria-hidden="true" />
                      <span className="truncate">{s.name}</span>
                      <span className="ml-auto flex items-center gap-1.5 text-xs text-muted-foreground">
                        <StatusDot status={s.enabled ? s.state.status : "paused"} />
                        {s.enabled ? s.state.status : "paused"}
                      </span>
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
              {others.length ? (
                <Command.Group
                  heading="Domains and instances"
                  className="[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:text-muted-foreground"
                >
                  {others.map((m) => (
                    <Command.Item key={m.id} value={`monitor:${m.id}`} onSelect={() => go(m.path)} className={itemClass}>
                      {m.icon}
                      <span className="truncate">{m.name}</span>
                      <span className="ml-auto flex items-center gap-1.5 text-xs text-muted-foreground">
                        <StatusDot status={m.enabled ? m.state.status : "paused"} />
                        {m.enabled ? m.state.status : "paused"}
                      </span>
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
              {shownActions.length ? (
                <Command.Group
                  heading="Actions"
                  className="[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:text-muted-foreground"
                >
                  {shownActions.map((e) => (
                    <Command.Item key={e.id} value={e.id} onSelect={e.run} className={itemClass}>
                      {e.icon}
                      {e.label}
                    </Command.Item>
                  ))}
                </Command.Group>
              ) : null}
            </Command.List>
          </Command>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  );
}
