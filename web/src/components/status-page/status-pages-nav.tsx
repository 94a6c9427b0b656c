/** The status pages section's tabs: the pages, and the components they arrange. */
import { TabNav } from "@/components/tab-nav";

const TABS = [
  { to: "/status-pages", label: "Pages" },
  { to: "/status-pages/components", label: "Components" },
] as const;

export function StatusPagesNav() {
  return <TabNav label="Status pages" tabs={TABS} />;
}
