/**
 * Addresses to share: the page, its JSON (Statuspage's summary.json shape) and its Atom
 * feed, and badge Markdown for each component (badges answer only for public pages).
 */
import { CopyButton } from "@/components/copy-button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { badgeMarkdown, badgePaths, componentIdsOf, publicLinks, type StatusPage } from "@/lib/status-pages";
import { useComponentsByIds } from "@/queries/status-pages";

function Snippet({ label, text, copyLabel }: { label: string; text: string; copyLabel: string }) {
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm font-medium">{label}</span>
        <CopyButton text={text} label={copyLabel} />
      </div>
      <code className="rounded-md border bg-muted px-2.5 py-1.5 font-mono text-xs break-all">{text}</code>
    </div>
  );
}

export function PageLinks({ page }: { page: StatusPage }) {
  const links = publicLinks(page);
  const ids = componentIdsOf(page.sections);
  const lookup = useComponentsByIds(ids);
  const isPublic = page.visibility === "public";
  return (
    <div className="flex max-w-3xl flex-col gap-4">
      <Card>
        <CardHeader>
          <CardTitle>Addresses</CardTitle>
          <CardDescription>
            {isPublic
              ? "Anyone may open these."
              : "Private: these answer signed-in users with a role on every shown monitor's group (scripts: with an API key)."}
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          <Snippet label="Page" text={links.page} copyLabel="Copy page address" />
          <Snippet label="JSON (summary.json)" text={links.json} copyLabel="Copy JSON address" />
          <Snippet label="Atom feed of incidents" text={links.feed} copyLabel="Copy feed address" />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Badges</CardTitle>
          <CardDescription>
            {isPublic
              ? "Markdown for a README or wiki: each component's current status and 30-day uptime, linking to this page."
              : "Badges show only components on a public page; make the page public to use them."}
          </CardDescription>
        </CardHeader>
        <CardContent>
          {ids.length === 0 ? (
            <p className="text-sm text-muted-foreground">The page shows no components yet.</p>
          ) : (
            <ul className="flex flex-col gap-4">
              {ids.map((id) => {
                const name = lookup.get(id)?.data?.display_name;
                if (!name) return null;
                const badges = badgePaths(id);
                return (
                  <li key={id} className="flex flex-col gap-2">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="text-sm font-medium">{name}</span>
                      {isPublic ? (
                        <>
                          <img src={badges.status} alt={`${name} status badge`} className="h-5" />
                          <img src={badges.uptime} alt={`${name} uptime badge`} className="h-5" />
                        </>
                      ) : null}
                    </div>
                    {isPublic ? (
                      <Snippet label="Markdown" text={badgeMarkdown(page, id, name)} copyLabel={`Copy ${name} badge Markdown`} />
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
