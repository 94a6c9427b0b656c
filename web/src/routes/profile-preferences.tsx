/** Theme and colour: applied at once, stored on the server for every device. */
import { Check, Monitor, Moon, Sun } from "lucide-react";
import type { ReactNode } from "react";
import { AccountNav } from "@/components/account-nav";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { toast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { usePreferences, useSavePreferences } from "@/queries/me";
import { COLORS, readCachedAppearance, THEMES, type Appearance } from "@/theme/theme";

const THEME = {
  light: { label: "Light", icon: Sun },
  dark: { label: "Dark", icon: Moon },
  system: { label: "System", icon: Monitor },
} as const;

const COLOR = {
  blue: { label: "Blue", swatch: "bg-[#2563eb]" },
  orange: { label: "Orange", swatch: "bg-[#ea580c]" },
  green: { label: "Green", swatch: "bg-[#16a34a]" },
} as const;

function Choice({
  name,
  value,
  checked,
  onChange,
  children,
}: {
  name: string;
  value: string;
  checked: boolean;
  onChange: () => void;
  children: ReactNode;
}) {
  return (
    <label
      className={cn(
        "relative flex cursor-pointer items-center gap-2 rounded-md border px-3 py-2 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring",
        checked && "border-primary",
      )}
    >
      <input type="radio" className="sr-only" name={name} value={value} checked={checked} onChange={onChange} />
      {children}
      {checked ? <Check className="ml-auto size-4 text-primary-text" aria-hidden="true" /> : null}
    </label>
  );
}

export function Component() {
  const preferences = usePreferences();
  const save = useSavePreferences();
  const appearance = preferences.data ?? readCachedAppearance();
  const change = (next: Partial<Appearance>) =>
    save.mutate(
      { ...appearance, ...next },
      { onError: (error) => toast("error", "Could not save the preference", error.message) },
    );
  return (
    <>
      <PageHeader title="Account" />
      <AccountNav />
      <div className="grid max-w-xl gap-4">
        <Card>
          <CardHeader>
            <CardTitle>Appearance</CardTitle>
            <CardDescription>Applied at once and kept for your account on every device.</CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-5">
            <fieldset>
              <legend className="mb-2 text-sm font-medium">Theme</legend>
              <div className="grid gap-2 sm:grid-cols-3">
                {THEMES.map((t) => {
                  const Icon = THEME[t].icon;
                  return (
                    <Choice key={t} name="theme" value={t} checked={appearance.theme === t} onChange={() => change({ theme: t })}>
                      <Icon className="size-4" aria-hidden="true" />
                      {THEME[t].label}
                    </Choice>
                  );
                })}
              </div>
              <p className="mt-1.5 text-xs text-muted-foreground">System follows your device's light or dark setting.</p>
            </fieldset>
            <fieldset>
              <legend className="mb-2 text-sm font-medium">Colour</legend>
              <div className="grid gap-2 sm:grid-cols-3">
                {COLORS.map((c) => (
                  <Choice key={c} name="color" value={c} checked={appearance.color === c} onChange={() => change({ color: c })}>
                    <span className={cn("size-4 rounded-full", COLOR[c].swatch)} aria-hidden="true" />
                    {COLOR[c].label}
                  </Choice>
                ))}
              </div>
            </fieldset>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
