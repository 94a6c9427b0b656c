/**
 * Status pages as the forms edit them: the slug rules (as `status_pages/mod.rs` checks
 * them), the page form's draft and API body, the sections editor's moves (the `order`
 * values sent are the visual order), incident states in words, and the public addresses
 * of a page (JSON, feed, badges).
 */
import type { components } from "@/api/schema";
import { checkInto, optional } from "./form-model";
import { host, httpUrl } from "./validate";

type Schemas = components["schemas"];

/** `light`, `dark` or `auto` (the visitor's setting). */
export type PageTheme = Schemas["PageTheme"];
export type Visibility = Schemas["PageVisibility"];
/** Where a page incident stands. */
export type PageIncidentStatus = Schemas["PageIncidentStatus"];
export type Impact = Schemas["PageIncidentImpact"];

export type StatusPage = Schemas["PageView"];
export type PageBody = Schemas["PageInput"];
export type Section = Schemas["PageSection"];
export type StatusComponent = Schemas["ComponentView"];
export type ComponentBody = Schemas["ComponentInput"];
export type IncidentUpdate = Schemas["IncidentUpdateView"];
export type PageIncident = Schemas["PageIncidentView"];
export type IncidentBody = Schemas["IncidentInput"];
export type UpdateBody = Schemas["UpdateInput"];
export type VisitorReport = Schemas["ReportView"];
export type Subscriber = Schemas["SubscriberView"];

/** Slugs the server keeps for its own paths. */
export const RESERVED_SLUGS: readonly string[] = [
  "api",
  "admin",
  "assets",
  "static",
  "new",
  "login",
  "logout",
  "status",
  "badge",
  "docs",
  "graphql",
  "metrics",
  "healthz",
  "readyz",
  "ack",
  "settings",
  "feed",
  "reports",
];

/** Why `slug` cannot be a page's address, or null when it can. */
export function slugProblem(slug: string): string | null {
  if (!slug) return "is required";
  if (slug.length < 2 || slug.length > 64) return "must be 2 to 64 characters";
  if (!/^[a-z0-9-]+$/.test(slug)) return "may hold only lowercase letters, digits and hyphens";
  if (slug.startsWith("-") || slug.endsWith("-")) return "must not start or end with a hyphen";
  if (RESERVED_SLUGS.includes(slug)) return `"${slug}" is reserved; choose another`;
  return null;
}

/** A slug suggested by a title: "Acme Cloud — EU" -> "acme-cloud-eu". */
export function slugFromTitle(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

export const THEMES: readonly { value: PageTheme; label: string }[] = [
  { value: "auto", label: "The visitor's setting" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export const VISIBILITIES: readonly { value: Visibility; label: string; hint: string }[] = [
  { value: "public", label: "Public", hint: "Anyone with the address may open it." },
  {
    value: "private",
    label: "Private",
    hint: "Only signed-in users with a role on every shown monitor's group; others are sent to sign in.",
  },
];

export const HISTORY_DAYS = [30, 90] as const;

function checkLength(problems: Record<string, string>, path: string, text: string, max: number) {
  if ([...text.trim()].length > max) problems[path] = `must be at most ${max} characters`;
}

// ---------------------------------------------------------------------------------------
// Components

export type TargetType = "service" | "domain" | "instance";

export const TARGET_TYPES: readonly { value: TargetType; label: string }[] = [
  { value: "service", label: "Service" },
  { value: "domain", label: "Domain" },
  { value: "instance", label: "Instance" },
];

export interface ComponentDraft {
  display_name: string;
  description: string;
  target_type: TargetType;
  /** "" until a monitor is chosen. */
  target_id: string;
  /** The chosen monitor's own name, for the form (never sent). */
  target_name: string | undefined;
}

export function emptyComponentDraft(): ComponentDraft {
  return { display_name: "", description: "", target_type: "service", target_id: "", target_name: undefined };
}

export function componentDraft(component: StatusComponent): ComponentDraft {
  return {
    display_name: component.display_name,
    description: component.description ?? "",
    target_type: (TARGET_TYPES.some((t) => t.value === component.target_type) ? component.target_type : "service") as TargetType,
    target_id: component.target_id,
    target_name: component.target_name ?? undefined,
  };
}

export const COMPONENT_FORM_PATHS = ["display_name", "description", "target_type", "target_id"] as const;

export function toComponentBody(draft: ComponentDraft): { body: ComponentBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const display_name = draft.display_name.trim();
  if (!display_name) problems["display_name"] = "is required";
  else checkLength(problems, "display_name", display_name, 200);
  checkLength(problems, "description", draft.description, 2000);
  if (!draft.target_id) problems["target_id"] = `choose the ${draft.target_type} to show`;
  return {
    body: {
      display_name,
      description: draft.description.trim(),
      target_type: draft.target_type,
      target_id: draft.target_id || null,
    },
    problems,
  };
}

// ---------------------------------------------------------------------------------------
// Sections

/** A section as the editor holds it: its components' ids in the order shown. */
export interface SectionDraft {
  /** Stable while the section is moved or renamed (React's key). */
  key: string;
  name: string;
  components: string[];
}

let nextKey = 1;
function sectionKey(): string {
  return `section-${nextKey++}`;
}

export function sectionDrafts(sections: readonly Section[]): SectionDraft[] {
  return sections.map((s) => ({
    key: sectionKey(),
    name: s.name ?? "",
    components: [...(s.components ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map((c) => c.component_id),
  }));
}

/** The sections as sent: each component's `order` is its place in the list. */
export function toSections(drafts: readonly SectionDraft[]): Section[] {
  return drafts.map((s) => ({
    name: s.name.trim() || null,
    components: s.components.map((component_id, order) => ({ component_id, order })),
  }));
}

function moved<T>(list: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return [...list];
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

export function addSection(sections: readonly SectionDraft[], name = ""): SectionDraft[] {
  return [...sections, { key: sectionKey(), name, components: [] }];
}

export function renameSection(sections: readonly SectionDraft[], index: number, name: string): SectionDraft[] {
  return sections.map((s, i) => (i === index ? { ...s, name } : s));
}

export function removeSection(sections: readonly SectionDraft[], index: number): SectionDraft[] {
  return sections.filter((_, i) => i !== index);
}

/** Moves a section `by` places (-1: up, 1: down); at an end nothing moves. */
export function moveSection(sections: readonly SectionDraft[], index: number, by: number): SectionDraft[] {
  return moved(sections, index, index + by);
}

/** Adds a component at the end of a section, unless the page shows it already. */
export function addComponent(sections: readonly SectionDraft[], index: number, componentId: string): SectionDraft[] {
  if (sections.some((s) => s.components.includes(componentId))) return [...sections];
  return sections.map((s, i) => (i === index ? { ...s, components: [...s.components, componentId] } : s));
}

export function removeComponent(sections: readonly SectionDraft[], index: number, position: number): SectionDraft[] {
  return sections.map((s, i) => (i === index ? { ...s, components: s.components.filter((_, j) => j !== position) } : s));
}

/** Moves a component `by` places within its section; at an end nothing moves. */
export function moveComponent(sections: readonly SectionDraft[], index: number, position: number, by: number): SectionDraft[] {
  return sections.map((s, i) => (i === index ? { ...s, components: moved(s.components, position, position + by) } : s));
}

/** Every component id on the page. */
export function componentsOnPage(sections: readonly { components: readonly string[] }[]): Set<string> {
  return new Set(sections.flatMap((s) => s.components));
}

/** The component ids of sent sections, in the order shown. */
export function componentIdsOf(sections: readonly Section[]): string[] {
  return sectionDrafts(sections).flatMap((s) => s.components);
}

// ---------------------------------------------------------------------------------------
// The page form

export interface PageDraft {
  title: string;
  slug: string;
  /** Whether the slug still follows the title (a new page whose slug was not typed). */
  slugFollowsTitle: boolean;
  description: string;
  visibility: Visibility;
  theme: PageTheme;
  history_days: string;
  footer: string;
  logo_url: string;
  custom_domain: string;
  /** "" for none. */
  report_channel_id: string;
  sections: SectionDraft[];
}

export function emptyPageDraft(): PageDraft {
  return {
    title: "",
    slug: "",
    slugFollowsTitle: true,
    description: "",
    visibility: "public",
    theme: "auto",
    history_days: "30",
    footer: "",
    logo_url: "",
    custom_domain: "",
    report_channel_id: "",
    sections: [{ key: sectionKey(), name: "", components: [] }],
  };
}

export function pageDraft(page: StatusPage): PageDraft {
  return {
    title: page.title,
    slug: page.slug,
    slugFollowsTitle: false,
    description: page.description ?? "",
    visibility: page.visibility,
    theme: page.theme,
    history_days: String(page.history_days),
    footer: page.footer ?? "",
    logo_url: page.logo_url ?? "",
    custom_domain: page.custom_domain ?? "",
    report_channel_id: page.report_channel_id ?? "",
    sections: sectionDrafts(page.sections),
  };
}

/** Paths the page form has inputs for (anything else goes to the form's top). */
export const PAGE_FORM_PATHS = [
  "title",
  "slug",
  "description",
  "visibility",
  "theme",
  "history_days",
  "footer",
  "logo_url",
  "custom_domain",
  "report_channel_id",
  "sections",
] as const;

export function toPageBody(draft: PageDraft): { body: PageBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const title = draft.title.trim();
  if (!title) problems["title"] = "is required";
  else checkLength(problems, "title", title, 200);
  const slug = draft.slug.trim();
  const slugReason = slugProblem(slug);
  if (slugReason) problems["slug"] = slugReason;
  checkLength(problems, "description", draft.description, 2000);
  checkLength(problems, "footer", draft.footer, 2000);
  if (draft.logo_url.trim()) checkInto(problems, "logo_url", draft.logo_url, httpUrl);
  if (draft.custom_domain.trim()) {
    checkInto(problems, "custom_domain", draft.custom_domain, host);
    if (!problems["custom_domain"] && !draft.custom_domain.includes(".")) {
      problems["custom_domain"] = "must be a host name such as status.example.com";
    }
  }
  const seen = new Set<string>();
  draft.sections.forEach((s, i) => {
    if ([...s.name.trim()].length > 200) problems[`sections[${i}].name`] = "must be at most 200 characters";
    s.components.forEach((id, j) => {
      if (seen.has(id)) problems[`sections[${i}].components[${j}].component_id`] = "is already on this page";
      seen.add(id);
    });
  });
  const body: PageBody = {
    title,
    slug,
    description: draft.description.trim(),
    visibility: draft.visibility,
    theme: draft.theme,
    history_days: Number(draft.history_days),
    footer: draft.footer.trim(),
    logo_url: draft.logo_url.trim(),
    custom_domain: draft.custom_domain.trim(),
    report_channel_id: optional(draft.report_channel_id) ?? null,
    sections: toSections(draft.sections),
  };
  return { body, problems };
}

// ---------------------------------------------------------------------------------------
// Incidents, reports and public addresses

export const INCIDENT_STATUSES: readonly { value: PageIncidentStatus; label: string }[] = [
  { value: "investigating", label: "Investigating" },
  { value: "identified", label: "Identified" },
  { value: "monitoring", label: "Monitoring" },
  { value: "resolved", label: "Resolved" },
];

export const IMPACTS: readonly { value: Impact; label: string }[] = [
  { value: "none", label: "None: an announcement" },
  { value: "minor", label: "Minor" },
  { value: "major", label: "Major" },
  { value: "critical", label: "Critical" },
];

export function incidentStatusLabel(status: string): string {
  return INCIDENT_STATUSES.find((s) => s.value === status)?.label ?? status;
}

export function impactLabel(impact: string): string {
  if (impact === "none") return "Announcement";
  return IMPACTS.find((i) => i.value === impact)?.label ?? impact;
}

const REASONS: Record<string, string> = {
  down: "Down or does not load",
  slow: "Slow",
  errors: "Shows errors",
  cannot_login: "Cannot sign in",
  other: "Something else",
};

export function reasonLabel(reason: string): string {
  return REASONS[reason] ?? reason;
}

/** Where the page's other forms live, from its public address (`https://host/status/slug`). */
export function publicLinks(page: Pick<StatusPage, "url">) {
  const url = page.url.replace(/\/+$/, "");
  return { page: url, json: `${url}.json`, feed: `${url}/feed.atom` };
}

/** The badge images of a component, on this server (for showing them here). */
export function badgePaths(componentId: string) {
  return {
    status: `/badge/${componentId}/status.svg`,
    uptime: `/badge/${componentId}/uptime.svg?days=30`,
  };
}

/** The badge images of a component, at the page's public origin. */
export function badgeLinks(page: Pick<StatusPage, "url">, componentId: string) {
  let origin = "";
  try {
    origin = new URL(page.url).origin;
  } catch {
    origin = "";
  }
  const paths = badgePaths(componentId);
  return { status: `${origin}${paths.status}`, uptime: `${origin}${paths.uptime}` };
}

/** Markdown showing a component's status and 30-day uptime badges, linking to the page. */
export function badgeMarkdown(page: Pick<StatusPage, "url">, componentId: string, name: string): string {
  const badges = badgeLinks(page, componentId);
  const alt = name.replace(/[[\]\\]/g, "");
  const { page: link } = publicLinks(page);
  return `[![${alt} status](${badges.status})](${link}) [![${alt} uptime](${badges.uptime})](${link})`;
}

/** The same-origin path of a page, for opening it in this browser (`/status/slug`). */
export function pagePath(slug: string): string {
  return `/status/${encodeURIComponent(slug)}`;
}

// ---------------------------------------------------------------------------------------
// The incident forms

export interface IncidentDraft {
  title: string;
  impact: Impact;
  status: PageIncidentStatus;
  /** Affected components (ids on the page). */
  components: string[];
  message: string;
}

export function emptyIncidentDraft(): IncidentDraft {
  return { title: "", impact: "minor", status: "investigating", components: [], message: "" };
}

export const INCIDENT_FORM_PATHS = ["title", "impact", "status", "components", "message"] as const;

export function toIncidentBody(draft: IncidentDraft): { body: IncidentBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const title = draft.title.trim();
  if (!title) problems["title"] = "is required";
  else checkLength(problems, "title", title, 200);
  const message = draft.message.trim();
  if (!message) problems["message"] = "is required: the first update visitors read";
  else checkLength(problems, "message", message, 5000);
  return {
    body: { title, impact: draft.impact, status: draft.status, components: draft.components, message },
    problems,
  };
}

export interface UpdateDraft {
  status: PageIncidentStatus;
  message: string;
}

export const UPDATE_FORM_PATHS = ["status", "message"] as const;

export function toUpdateBody(draft: UpdateDraft): { body: UpdateBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const message = draft.message.trim();
  if (!message) problems["message"] = "is required";
  else checkLength(problems, "message", message, 5000);
  return { body: { status: draft.status, message }, problems };
}
