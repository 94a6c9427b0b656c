/**
 * Keeps <html> in step with the signed-in user's stored preferences, and with the
 * operating system while the theme is `system`.
 */
import { useEffect } from "react";
import { usePreferences } from "@/queries/me";
import { applyAppearance, followSystem, readCachedAppearance } from "./theme";

export function ThemeSync() {
  const preferences = usePreferences();
  useEffect(() => {
    if (preferences.data) applyAppearance(preferences.data);
  }, [preferences.data]);
  useEffect(() => followSystem(() => preferences.data ?? readCachedAppearance()), [preferences.data]);
  return null;
}
