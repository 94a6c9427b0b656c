import { isRouteErrorResponse, Link, useRouteError } from "react-router";
import { Button } from "@/components/ui/button";

/** What a page shows when it failed to load or threw while rendering. */
export function RouteError() {
  const error = useRouteError();
  const chunkFailed = error instanceof TypeError && /dynamically imported module|Importing a module script/i.test(error.message);
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : chunkFailed
      ? "Monitron was updated while this page was open. Reload to get the new version."
      : error instanceof Error
        ? error.message
        : "Something went wrong.";
  return (
    <div role="alert" className="mx-auto flex max-w-lg flex-col items-start gap-3 p-6">
      <h1 className="text-xl font-semibold">This page could not be shown</h1>
      <p className="text-sm text-muted-foreground break-words">{message}</p>
      <div className="flex gap-2">
        <Button onClick={() => window.location.reload()}>Reload</Button>
        <Button variant="outline" asChild>
          <Link to="/">Go to the dashboard</Link>
        </Button>
      </div>
    </div>
  );
}
