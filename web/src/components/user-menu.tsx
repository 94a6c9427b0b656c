import { LogOut, Monitor, Moon, Sun } from "lucide-react";
import { KeyRound, UserRound } from "lucide-react";
import { useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { session } from "@/api/client";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { AccountButton } from "./account-button";
import { usePreferences, useSavePreferences } from "@/queries/me";
import { useUser } from "@/session/use-session";
import { COLORS, readCachedAppearance, THEMES, type ColorTheme, type ThemeMode } from "@/theme/theme";
import { toast } from "./ui/toast";

const THEME_LABEL: Record<ThemeMode, string> = { light: "Light", dark: "Dark", system: "System" };
const COLOR_LABEL: Record<ColorTheme, string> = { blue: "Blue", orange: "Orange", green: "Green" };
const COLOR_SWATCH: Record<ColorTheme, string> = { blue: "bg-[#2563eb]", orange: "bg-[#ea580c]", green: "bg-[#16a34a]" };

/** The menu, loaded on first use; `defaultOpen` when the user's first click loaded it. */
export default function UserMenu({ defaultOpen = false }: { defaultOpen?: boolean }) {
  const user = useUser();
  const client = useQueryClient();
  const preferences = usePreferences();
  const save = useSavePreferences();
  const appearance = preferences.data ?? readCachedAppearance();
  const name = user.display_name || user.username;
  const navigate = useNavigate();

  const change = (next: Partial<typeof appearance>) =>
    save.mutate({ ...appearance, ...next }, { onError: (error) => toast("error", "Could not save the theme", error.message) });

  return (
    <DropdownMenu defaultOpen={defaultOpen}>
      <DropdownMenuTrigger asChild>
        <AccountButton name={name} />
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-56">
        <DropdownMenuLabel className="text-foreground">
          <span className="block truncate font-semibold">{name}</span>
          <span className="block truncate font-normal text-muted-foreground">{user.email}</span>
          <span className="block font-normal text-muted-foreground capitalize">{user.role}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => navigate("/profile")}>
          <UserRound aria-hidden="true" />
          Account
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => navigate("/profile/api-keys")}>
          <KeyRound aria-hidden="true" />
          API keys
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuLabel>Theme</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={appearance.theme} onValueChange={(v) => change({ theme: v as ThemeMode })}>
          {THEMES.map((theme) => (
            <DropdownMenuRadioItem key={theme} value={theme} onSelect={(e) => e.preventDefault()}>
              {theme === "light" ? (
                <Sun aria-hidden="true" />
              ) : theme === "dark" ? (
                <Moon aria-hidden="true" />
              ) : (
                <Monitor aria-hidden="true" />
              )}
              {THEME_LABEL[theme]}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
        <DropdownMenuLabel>Colour</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={appearance.color} onValueChange={(v) => change({ color: v as ColorTheme })}>
          {COLORS.map((color) => (
            <DropdownMenuRadioItem key={color} value={color} onSelect={(e) => e.preventDefault()}>
              <span className={`size-3 rounded-full ${COLOR_SWATCH[color]}`} aria-hidden="true" />
              {COLOR_LABEL[color]}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={() => {
            void session.signOut().then(() => client.clear());
          }}
        >
          <LogOut aria-hidden="true" />
          Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
