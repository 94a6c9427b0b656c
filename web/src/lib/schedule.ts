/**
 * Maintenance window schedules: the form's inputs for each schedule type (as
 * `alerting/maintenance.rs` checks them), the API body, and the schedule in words.
 * One-off windows are typed as local date and time in the window's time zone and sent
 * as UTC instants.
 */
import type { components } from "@/api/schema";
import { formatDuration } from "./time";
import { emptySelector, selectorDraft, toSelector, type SelectorDraft } from "./selector";

type Schemas = components["schemas"];
export type MaintenanceWindow = Schemas["WindowView"];
export type WindowBody = Schemas["WindowInput"];
export type Schedule = Schemas["Schedule"];
export type ScheduleType = Schedule["type"];

export const WEEKDAYS = [
  { value: "mon", label: "Mon", long: "Monday" },
  { value: "tue", label: "Tue", long: "Tuesday" },
  { value: "wed", label: "Wed", long: "Wednesday" },
  { value: "thu", label: "Thu", long: "Thursday" },
  { value: "fri", label: "Fri", long: "Friday" },
  { value: "sat", label: "Sat", long: "Saturday" },
  { value: "sun", label: "Sun", long: "Sunday" },
] as const;

export const SCHEDULE_TYPES: readonly { value: ScheduleType; label: string }[] = [
  { value: "once", label: "Once" },
  { value: "weekly", label: "Weekly" },
  { value: "monthly", label: "Monthly" },
  { value: "cron", label: "Cron expression" },
];

/** Longest recurring window: a week. */
export const MAX_DURATION_S = 7 * 86_400;

export interface WindowDraft {
  name: string;
  description: string;
  active: boolean;
  targets: SelectorDraft;
  timezone: string;
  type: ScheduleType;
  /** `YYYY-MM-DDTHH:MM` in `timezone`. */
  start: string;
  end: string;
  weekdays: string[];
  /** "1, 15, last". */
  days: string;
  start_time: string;
  /** Minutes. */
  duration_min: string;
  cron: string;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every IANA zone the browser knows (for the picker's suggestions). */
export function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

export function isTimeZone(zone: string): boolean {
  if (!zone.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock parts of `instant` in `timeZone`. */
function partsIn(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour") % 24,
    minute: get("minute"),
    second: get("second"),
  };
}

/** `instant` as `YYYY-MM-DDTHH:MM` on the wall clock of `timeZone`. */
export function toLocalInput(instant: string | Date, timeZone: string): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime()) || !isTimeZone(timeZone)) return "";
  const p = partsIn(date, timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * The instant when the wall clock of `timeZone` shows `local` (`YYYY-MM-DDTHH:MM`), or
 * null when it is not a date and time. A time skipped by a DST change moves forward.
 */
export function fromLocalInput(local: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local.trim());
  if (!m || !isTimeZone(timeZone)) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(wanted)) return null;
  // Guess with the offset at the wanted time, then correct once with the offset there.
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = partsIn(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess += wanted - shown;
  }
  return new Date(guess);
}

function defaultStart(timeZone: string): string {
  const next = new Date(Date.now() + 86_400_000);
  next.setUTCMinutes(0, 0, 0);
  return toLocalInput(next, timeZone);
}

export function emptyWindowDraft(): WindowDraft {
  const timezone = browserTimeZone();
  const start = defaultStart(timezone);
  const end = toLocalInput(new Date((fromLocalInput(start, timezone)?.getTime() ?? Date.now()) + 3_600_000), timezone);
  return {
    name: "",
    description: "",
    active: true,
    targets: emptySelector(),
    timezone,
    type: "once",
    start,
    end,
    weekdays: ["sun"],
    days: "1",
    start_time: "02:00",
    duration_min: "60",
    cron: "0 2 * * 0",
  };
}

export function windowDraft(w: MaintenanceWindow): WindowDraft {
  const draft = emptyWindowDraft();
  draft.name = w.name;
  draft.description = w.description ?? "";
  draft.active = w.active;
  draft.targets = selectorDraft(w.targets);
  draft.timezone = w.timezone || "UTC";
  const s = w.schedule;
  draft.type = s.type;
  switch (s.type) {
    case "once":
      draft.start = toLocalInput(s.start, draft.timezone);
      draft.end = toLocalInput(s.end, draft.timezone);
      break;
    case "weekly":
      draft.weekdays = s.weekdays.map((d) => d.slice(0, 3).toLowerCase());
      draft.start_time = s.start_time.slice(0, 5);
      draft.duration_min = String(s.duration_s / 60);
      break;
    case "monthly":
      draft.days = s.days.map(String).join(", ");
      draft.start_time = s.start_time.slice(0, 5);
      draft.duration_min = String(s.duration_s / 60);
      break;
    case "cron":
      draft.cron = s.cron;
      draft.duration_min = String(s.duration_s / 60);
      break;
  }
  return draft;
}

function durationS(draft: WindowDraft, problems: Record<string, string>): number {
  const text = draft.duration_min.trim();
  const minutes = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || minutes <= 0 || minutes * 60 > MAX_DURATION_S) {
    problems["schedule.duration_s"] = `must be between 1 minute and ${MAX_DURATION_S / 60} minutes (a week)`;
  }
  return Math.round(minutes * 60);
}

function startTime(draft: WindowDraft, problems: Record<string, string>): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(draft.start_time.trim())) problems["schedule.start_time"] = "must be a local time HH:MM";
  return draft.start_time.trim();
}

/** The schedule for the API and the problems found on the way. */
export function toSchedule(draft: WindowDraft, problems: Record<string, string>): Schedule {
  switch (draft.type) {
    case "once": {
      // In an unknown zone the instants cannot be told; the zone's own problem says why.
      const zone = isTimeZone(draft.timezone.trim()) ? draft.timezone.trim() : "UTC";
      const start = fromLocalInput(draft.start, zone);
      const end = fromLocalInput(draft.end, zone);
      if (!start) problems["schedule.start"] = "must be a date and time";
      if (!end) problems["schedule.end"] = "must be a date and time";
      else if (start && end <= start) problems["schedule.end"] = "must be after the start";
      return { type: "once", start: start?.toISOString() ?? "", end: end?.toISOString() ?? "" };
    }
    case "weekly": {
      if (draft.weekdays.length === 0) problems["schedule.weekdays"] = "needs at least one day";
      const order = WEEKDAYS.map((d) => d.value as string);
      const weekdays = [...draft.weekdays].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      return { type: "weekly", weekdays, start_time: startTime(draft, problems), duration_s: durationS(draft, problems) };
    }
    case "monthly": {
      const parts = draft.days
        .split(/[\s,]+/)
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean);
      if (parts.length === 0) problems["schedule.days"] = "needs at least one day";
      const days: (number | "last")[] = [];
      for (const part of parts) {
        if (part === "last") days.push("last");
        else if (/^\d+$/.test(part) && Number(part) >= 1 && Number(part) <= 31) days.push(Number(part));
        else problems["schedule.days"] = `"${part}" is not a day 1-31 or "last"`;
      }
      return { type: "monthly", days, start_time: startTime(draft, problems), duration_s: durationS(draft, problems) };
    }
    case "cron": {
      const fields = draft.cron.trim().split(/\s+/).filter(Boolean).length;
      if (fields < 5 || fields > 6) problems["schedule.cron"] = "must have five or six fields, such as 0 2 * * 0";
      return { type: "cron", cron: draft.cron.trim(), duration_s: durationS(draft, problems) };
    }
  }
}

export function toWindowBody(draft: WindowDraft): { body: WindowBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const name = draft.name.trim();
  if (!name) problems["name"] = "is required";
  else if (name.length > 200) problems["name"] = "must be at most 200 characters";
  const zone = draft.timezone.trim();
  if (!zone) problems["timezone"] = "is required";
  else if (!isTimeZone(zone)) problems["timezone"] = "is not an IANA time zone such as Europe/Berlin";
  const body: WindowBody = {
    name,
    description: draft.description.trim(),
    active: draft.active,
    targets: toSelector(draft.targets, "targets", problems),
    schedule: toSchedule(draft, problems),
    timezone: draft.timezone.trim(),
  };
  return { body, problems };
}

export const WINDOW_FORM_PATHS = ["name", "description", "active", "targets", "schedule", "timezone"] as const;

function listDays(days: readonly (number | string)[]): string {
  const words = days.map((d) => (d === "last" ? "the last day" : ordinal(Number(d))));
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function ordinal(n: number): string {
  const rem100 = n % 100;
  if (rem100 >= 11 && rem100 <= 13) return `${n}th`;
  const suffix = ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}

/** The schedule in words, with times in the window's zone: "Mon and Sat at 02:00 for 1 h". */
export function describeSchedule(schedule: Schedule, timeZone: string, locale?: string): string {
  switch (schedule.type) {
    case "once": {
      const fmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
      const start = new Date(schedule.start);
      const end = new Date(schedule.end);
      return `Once, ${fmt.format(start)} – ${fmt.format(end)} (${formatDuration((end.getTime() - start.getTime()) / 1000)})`;
    }
    case "weekly": {
      const names = schedule.weekdays.map((d) => WEEKDAYS.find((w) => w.value === d.slice(0, 3).toLowerCase())?.label ?? d);
      const days =
        names.length === 7
          ? "Every day"
          : names.length > 1
            ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`
            : names[0];
      return `${days} at ${schedule.start_time} for ${formatDuration(schedule.duration_s)}`;
    }
    case "monthly":
      return `Monthly on the ${listDays(schedule.days)} at ${schedule.start_time} for ${formatDuration(schedule.duration_s)}`;
    case "cron":
      return `Cron ${schedule.cron} for ${formatDuration(schedule.duration_s)}`;
  }
}
