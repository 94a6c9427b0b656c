/**
 * Times as people read them: relative ("3 min ago") for scanning, absolute in the user's
 * own time zone for the tooltip, and durations in the largest sensible units.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function toDate(value: string | number | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/**
 * "just now", "in 5 min", "3 min ago", "2 h ago", "yesterday"... relative to `now`.
 * Invalid input gives an empty string.
 */
export function formatRelative(value: string | number | Date, now: number = Date.now(), locale?: string): string {
  const time = toDate(value).getTime();
  if (Number.isNaN(time)) return "";
  const diff = time - now;
  const abs = Math.abs(diff);
  if (abs < 10 * SECOND) return "just now";
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  if (abs < MINUTE) return rtf.format(Math.round(diff / SECOND), "second");
  if (abs < HOUR) return rtf.format(Math.round(diff / MINUTE), "minute");
  if (abs < DAY) return rtf.format(Math.round(diff / HOUR), "hour");
  if (abs < 30 * DAY) return rtf.format(Math.round(diff / DAY), "day");
  if (abs < 365 * DAY) return rtf.format(Math.round(diff / (30 * DAY)), "month");
  return rtf.format(Math.round(diff / (365 * DAY)), "year");
}

/** Date and time with seconds and the zone name, in `timeZone` (the browser's by default). */
export function formatAbsolute(value: string | number | Date, timeZone?: string, locale?: string): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "long",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** A short date and time for tables and chart axes. */
export function formatShort(value: string | number | Date, timeZone?: string, locale?: string): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** A day for uptime bars ("Mar 3, 2026"). */
export function formatDay(value: string | number | Date, locale?: string): string {
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return "";
  // Days are UTC calendar days on the server.
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h": two units at most. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}
