/**
 * One shared clock for every relative time on screen: a single timer ticks every 15 s and
 * re-renders the components that show "3 min ago", instead of one timer per row.
 */
import { useSyncExternalStore } from "react";

let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === null) {
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 15_000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current time, updated every 15 s. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
