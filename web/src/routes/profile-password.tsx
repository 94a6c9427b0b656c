/**
 * Change the password. The server signs out every session of the account, this one too,
 * so the page signs straight back in with the new password.
 */
import { useState } from "react";
import { session } from "@/api/client";
import { AccountNav } from "@/components/account-nav";
import { PageHeader } from "@/components/page-header";
import { FormTop, PathField } from "@/components/path-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";
import { useDraftForm } from "@/lib/use-draft-form";
import * as v from "@/lib/validate";
import { useChangePassword } from "@/queries/me";
import { useUser } from "@/session/use-session";

interface PasswordDraft {
  current_password: string;
  new_password: string;
  repeat: string;
  identities: string[];
}

type PasswordBody = { current_password: string; new_password: string };

function toPasswordBody(d: PasswordDraft): { body: PasswordBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  if (!d.current_password) problems["current_password"] = "is required";
  const problem = v.password(d.new_password);
  if (problem) problems["new_password"] = problem;
  else if (d.identities.some((x) => x.toLowerCase() === d.new_password.toLowerCase()))
    problems["new_password"] = "must differ from your username and e-mail";
  else if (d.new_password === d.current_password) problems["new_password"] = "must differ from the current password";
  if (d.repeat !== d.new_password) problems["repeat"] = "does not match the new password";
  return { body: { current_password: d.current_password, new_password: d.new_password }, problems };
}

export function Component() {
  const [key, setKey] = useState(0);
  return (
    <>
      <PageHeader title="Account" />
      <AccountNav />
      <Card className="max-w-xl">
        <CardHeader>
          <CardTitle>Change password</CardTitle>
          <CardDescription>Every other session of your account is signed out.</CardDescription>
        </CardHeader>
        <CardContent>
          <PasswordForm key={key} onChanged={() => setKey((k) => k + 1)} />
        </CardContent>
      </Card>
    </>
  );
}

function PasswordForm({ onChanged }: { onChanged: () => void }) {
  const user = useUser();
  const change = useChangePassword();
  const form = useDraftForm<PasswordDraft, PasswordBody>(
    { current_password: "", new_password: "", repeat: "", identities: [user.username, user.email] },
    toPasswordBody,
    async (body) => {
      await change.mutateAsync(body);
      // Every session was signed out; this one signs in again with the new password.
      try {
        await session.signIn(user.username, body.new_password);
        toast("success", "Password changed", "Your other sessions and devices were signed out.");
        onChanged();
      } catch {
        toast("info", "Password changed", "Sign in again with your new password.");
        session.end("signed-out");
      }
    },
  );
  const set = (field: keyof PasswordDraft, value: string) => form.update((old) => ({ ...old, [field]: value }), [field]);
  return (
    <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-4">
      <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
      <FormTop form={form} shownPaths={["current_password", "new_password", "repeat"]} />
      <PathField form={form} path="current_password" label="Current password" required>
        <Input
          type="password"
          autoComplete="current-password"
          value={form.draft.current_password}
          onChange={(e) => set("current_password", e.target.value)}
        />
      </PathField>
      <PathField
        form={form}
        path="new_password"
        label="New password"
        required
        hint="At least 10 characters, not a common password."
      >
        <Input
          type="password"
          autoComplete="new-password"
          value={form.draft.new_password}
          onChange={(e) => set("new_password", e.target.value)}
        />
      </PathField>
      <PathField form={form} path="repeat" label="New password again" required>
        <Input
          type="password"
          autoComplete="new-password"
          value={form.draft.repeat}
          onChange={(e) => set("repeat", e.target.value)}
        />
      </PathField>
      <div>
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Changing…" : "Change password"}
        </Button>
      </div>
    </form>
  );
}
