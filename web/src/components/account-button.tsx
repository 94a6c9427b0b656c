import type { ComponentProps } from "react";
import { Button } from "@/components/ui/button";

function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

/** The account menu's button: the user's initials and name. */
export function AccountButton({ name, ...props }: { name: string } & ComponentProps<"button">) {
  return (
    <Button variant="ghost" className="gap-2 px-2" aria-label={`Account menu for ${name}`} aria-haspopup="menu" {...props}>
      <span className="flex size-7 items-center justify-center rounded-full bg-primary text-xs font-semibold text-primary-foreground">
        {initials(name)}
      </span>
      <span className="hidden max-w-32 truncate text-sm sm:inline">{name}</span>
    </Button>
  );
}
