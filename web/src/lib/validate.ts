/**
 * Checks the UI can make as the user types. They mirror the server's rules closely
 * enough to catch typos early; the server stays the judge and its field errors win.
 * Each returns the reason, or null when the value passes.
 */

export type Check = (value: string) => string | null;

export const required: Check = (value) => (value.trim() ? null : "is required");

export const username: Check = (value) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$/.test(value.trim())
    ? null
    : "must be 3-32 letters, digits, '.', '_' or '-', starting with a letter or digit";

export const email: Check = (value) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()) && value.trim().length <= 254 ? null : "must be an e-mail address";

export const password: Check = (value) =>
  value.length >= 10 ? (value.length <= 256 ? null : "must be at most 256 characters") : "must be at least 10 characters";

/** An `http://` or `https://` URL naming a host. */
export const httpUrl: Check = (value) => {
  const text = value.trim();
  if (!text) return "is required";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must start with http:// or https://";
  if (!url.hostname) return "must name a host";
  return null;
};

/** A host name or IP address, without scheme or path. */
export const host: Check = (value) => {
  const text = value.trim().replace(/^\[|\]$/g, "");
  if (!text) return "is required";
  if (text.length > 253 || text.includes("://") || text.includes("/") || /\s/.test(text)) {
    return "must be a host name or IP address, without scheme or path";
  }
  return null;
};

/** A whole number between `min` and `max`. */
export function intBetween(min: number, max: number): Check {
  return (value) => {
    const text = value.trim();
    if (!/^-?\d+$/.test(text)) return "must be a whole number";
    const n = Number(text);
    return n < min || n > max ? `must be between ${min} and ${max}` : null;
  };
}

export const port: Check = intBetween(1, 65_535);

/** An HTTP status code (200), range (200-299) or class (2xx). */
export const statusRange: Check = (value) => {
  const text = value.trim();
  const inRange = (n: number) => n >= 100 && n <= 599;
  const klass = /^([1-5])xx$/i.exec(text);
  if (klass) return null;
  const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(text);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    return inRange(from) && inRange(to) && from <= to ? null : "must be codes between 100 and 599, low to high";
  }
  if (/^\d+$/.test(text)) return inRange(Number(text)) ? null : "must be between 100 and 599";
  return `"${text}" is not a status code, range (200-299) or class (2xx)`;
};

/** An IP address, optionally with `:port` (IPv6 as `[::1]:53`). */
export const resolver: Check = (value) => {
  const text = value.trim();
  if (!text) return null;
  const v4 = /^(\d{1,3})(\.\d{1,3}){3}(:\d{1,5})?$/;
  const v6 = /^\[[0-9a-fA-F:.]+\](:\d{1,5})?$|^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/;
  return v4.test(text) || v6.test(text) ? null : "must be an IP address, optionally with :port";
};

/** Runs `checks` in order and returns the first reason. */
export function firstProblem(value: string, ...checks: Check[]): string | null {
  for (const check of checks) {
    const problem = check(value);
    if (problem) return problem;
  }
  return null;
}

/** "is required" -> "Name is required": a reason as a sentence about its field. */
export function sentence(label: string, reason: string | null | undefined): string | undefined {
  if (!reason) return undefined;
  return `${label} ${reason}`;
}
