/** Numbers as the UI shows them: response times, percentages, counts. */

/** "87 ms", "1.24 s"; an em dash when there is no value. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A percentage with as many decimals as it takes to tell 99.95 from 100: 100 % only when
 * it is exactly 100, never rounded up to it.
 */
export function formatPct(pct: number | null | undefined, decimals = 2): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return "—";
  if (pct >= 100) return "100%";
  const factor = 10 ** decimals;
  const floored = Math.floor(pct * factor) / factor;
  return `${floored.toFixed(decimals)}%`;
}

/** A fraction 0..1 as a percentage. */
export function formatFraction(fraction: number | null | undefined, decimals = 2): string {
  if (fraction === null || fraction === undefined) return "—";
  return formatPct(fraction * 100, decimals);
}

/** 1,234 in the user's locale. */
export function formatCount(n: number | null | undefined, locale?: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return new Intl.NumberFormat(locale).format(n);
}
