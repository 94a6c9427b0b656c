/**
 * Where to go after signing in (`/login?next=...`): only a path on this origin is followed,
 * never another site (`//evil.example`, `/\evil.example`, `https://...`), and a private
 * status page (`/status/{slug}`, served by the server, not the UI) is told apart so the UI
 * can open it through a signed view link.
 */

/**
 * `next` as a path on `origin` (path, query and fragment), or null when it leads anywhere
 * else or is not a path at all.
 */
export function sameOriginPath(next: string | null | undefined, origin: string): string | null {
  if (!next || !next.startsWith("/")) return null;
  // Browsers drop tabs and newlines from URLs and read `\` as `/`: "/\t/x" is "//x".
  if (/[\u0000-\u001f\u007f\\]/.test(next) || next.startsWith("//")) return null;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return null;
  }
  if (url.origin !== new URL(origin).origin) return null;
  return url.pathname + url.search + url.hash;
}

/** The slug of a status page's own path (`/status/acme`), or null for any other path. */
export function statusPageSlug(path: string): string | null {
  const pathname = path.split(/[?#]/, 1)[0] ?? "";
  const match = /^\/status\/([a-z0-9-]{2,64})\/?$/.exec(pathname);
  return match ? match[1]! : null;
}
