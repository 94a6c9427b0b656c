/** A page's visibility in words, and the link that opens it as visitors see it. */
import { ExternalLink, Globe2, Lock } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { pagePath, type StatusPage } from "@/lib/status-pages";

export function VisibilityBadge({ visibility }: { visibility: string }) {
  return visibility === "private" ? (
    <Badge className="bg-muted text-foreground">
      <Lock className="size-3" aria-hidden="true" />
      Private
    </Badge>
  ) : (
    <Badge className="border-up/40 bg-up-soft text-up-text">
      <Globe2 className="size-3" aria-hidden="true" />
      Public
    </Badge>
  );
}

/** Opens the page as visitors see it; a private page through sign-in's view link. */
export function OpenPageLink({ page, label = "Open" }: { page: StatusPage; label?: string }) {
  const href = page.visibility === "public" ? page.url : pagePath(page.slug);
  return (
    <Button variant="outline" size="sm" asChild>
      <a href={href} target="_blank" rel="noopener noreferrer" aria-label={`${label} ${page.title} (new tab)`}>
        <ExternalLink aria-hidden="true" />
        {label}
      </a>
    </Button>
  );
}
