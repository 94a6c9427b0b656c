/** The account pages' tabs: profile, password, preferences, API keys. */
import { NavLink } from "react-router";
import { cn } from "@/lib/cn";

const TABS = [
  { to: "/profile", label: "Profile" },
  { to: "/profile/password", label: "Password" },
  { to: "/profile/preferences", label: "Preferences" },
  { to: "/profile/api-keys", label: "API keys" },
] as const;

export function AccountNav() {
  return (
    <nav aria-label="Account" className="mb-4 overflow-x-auto border-b">
      <ul className="flex gap-1">
        {TABS.map((tab) => (
          <li key={tab.to}>
            <NavLink
              to={tab.to}
              end
              className={({ isActive }) =>
                cn(
                  "-mb-px inline-block border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-muted-foreground hover:text-foreground",
                  isActive && "border-primary text-foreground",
                )
              }
            >
              {tab.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
