/**
 * The sidebar's and the command palette's one list of pages. A page is listed here once it
 * exists; `adminOnly` entries are shown to administrators alone.
 */
import { Bell, Cpu, Globe, LayoutDashboard, OctagonAlert, Server, type LucideIcon } from "lucide-react";
import { BellRing, CalendarClock, Radio, ScrollText, Settings, Siren, TrendingUp, Users } from "lucide-react";

export interface NavEntry {
  to: string;
  label: string;
  icon: LucideIcon;
  /** Extra words the command palette matches. */
  keywords?: string[];
  adminOnly?: boolean;
}

export const NAV: NavEntry[] = [
  { to: "/", label: "Dashboard", icon: LayoutDashboard, keywords: ["home", "overview", "summary"] },
  { to: "/services", label: "Services", icon: Server, keywords: ["monitors", "checks", "http", "uptime"] },
  {
    to: "/domains",
    label: "Domains",
    icon: Globe,
    keywords: ["monitors", "expiry", "registration", "certificates", "ssl", "whois"],
  },
  { to: "/instances", label: "Instances", icon: Cpu, keywords: ["hosts", "servers", "agents", "metrics", "cpu", "memory"] },
  {
    to: "/status-pages",
    label: "Status pages",
    icon: Radio,
    keywords: ["public", "components", "subscribers", "visitor reports", "badges", "announcements"],
  },
  { to: "/incidents", label: "Incidents", icon: OctagonAlert, keywords: ["outages", "down", "acknowledge"] },
  { to: "/alerts", label: "Alerts", icon: Bell, keywords: ["firing", "alerting", "history", "acknowledge"] },
  { to: "/alert-rules", label: "Alert rules", icon: Siren, keywords: ["alerting", "conditions", "thresholds"] },
  {
    to: "/notification-channels",
    label: "Notification channels",
    icon: BellRing,
    keywords: ["email", "webhook", "slack", "telegram", "pagerduty", "delivery"],
  },
  { to: "/escalation-policies", label: "Escalation policies", icon: TrendingUp, keywords: ["on call", "paging", "steps"] },
  {
    to: "/maintenance-windows",
    label: "Maintenance windows",
    icon: CalendarClock,
    keywords: ["downtime", "schedule", "planned"],
  },
  { to: "/users", label: "Users", icon: Users, keywords: ["people", "accounts", "roles", "grants"], adminOnly: true },
  { to: "/audit-log", label: "Audit log", icon: ScrollText, keywords: ["history", "who", "changes"], adminOnly: true },
  {
    to: "/settings",
    label: "Settings",
    icon: Settings,
    keywords: ["registration", "basic auth", "smtp", "e-mail", "templates"],
    adminOnly: true,
  },
];

/** The entries `role` may see. */
export function navFor(role: string | undefined): NavEntry[] {
  return NAV.filter((entry) => !entry.adminOnly || role === "admin");
}
