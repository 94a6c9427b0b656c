import type { ComponentProps } from "react";
import { Button } from "@/components/ui/button";

function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

/** The account menu's button: the user's initials and name. */
export function AccountButton({ name, ...props }: { name: string } & ComponentProps<"button">) {
  return (
    <Button variant="ghost" className="gap-2 px-2" aria-haspopup="menu" {...props}>
      <span
        aria-hidden="true"
        className="flex size-7 items-center justify-center rounded-full bg-primary text-xs font-semibold text-primary-foreground"
      >
        {initials(name)}
      </span>
      {/* Named by its text (not aria-label), so what is seen is what is said. */}
      <span className="sr-only">Account menu for </span>
      <span className="sr-only max-w-32 truncate text-sm sm:not-sr-only">{name}</span>
    </Button>
  );
}
