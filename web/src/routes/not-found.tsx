import { SearchX } from "lucide-react";
import { Link } from "react-router";
import { EmptyState } from "@/components/empty-state";
import { useDocumentTitle } from "@/components/page-header";
import { Button } from "@/components/ui/button";

export function Component() {
  useDocumentTitle("Page not found");
  return (
    <EmptyState
      icon={SearchX}
      title="Page not found"
      action={
        <Button asChild>
          <Link to="/">Go to the dashboard</Link>
        </Button>
      }
    >
      There is no page at this address.
    </EmptyState>
  );
}
