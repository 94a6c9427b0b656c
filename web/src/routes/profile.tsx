/** The signed-in user's profile: display name, and e-mail (confirmed with the password). */
import { useMemo } from "react";
import type { User } from "@/api/types";
import { AccountNav } from "@/components/account-nav";
import { PageHeader } from "@/components/page-header";
import { FormTop, PathField } from "@/components/path-field";
import { RelativeTime } from "@/components/relative-time";
import { ROLE_LABEL } from "@/components/user-badges";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { useDraftForm } from "@/lib/use-draft-form";
import * as v from "@/lib/validate";
import { useMe, useUpdateMe } from "@/queries/me";

interface ProfileDraft {
  display_name: string;
  email: string;
  current_password: string;
  original_email: string;
}

type ProfileBody = { display_name: string; email?: string; current_password?: string };

function toProfileBody(d: ProfileDraft): { body: ProfileBody; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  if (d.display_name.trim().length > 100) problems["display_name"] = "must be at most 100 characters";
  const emailChanged = d.email.trim().toLowerCase() !== d.original_email.toLowerCase();
  if (emailChanged) {
    const problem = v.firstProblem(d.email, v.required, v.email);
    if (problem) problems["email"] = problem;
    if (!d.current_password) problems["current_password"] = "is required to change the e-mail address";
  }
  return {
    body: {
      display_name: d.display_name.trim(),
      ...(emailChanged ? { email: d.email.trim(), current_password: d.current_password } : {}),
    },
    problems,
  };
}

function ProfileForm({ user }: { user: User }) {
  const update = useUpdateMe();
  const initial = useMemo(
    () => ({ display_name: user.display_name ?? "", email: user.email, current_password: "", original_email: user.email }),
    [user],
  );
  const form = useDraftForm<ProfileDraft, ProfileBody>(initial, toProfileBody, async (body) => {
    await update.mutateAsync(body);
    toast("success", "Profile saved");
  });
  const emailChanged = form.draft.email.trim().toLowerCase() !== user.email.toLowerCase();
  const set = (key: keyof ProfileDraft, value: string) => form.update((old) => ({ ...old, [key]: value }), [key]);
  return (
    <form onSubmit={form.onSubmit} noValidate className="flex flex-col gap-4">
      <FormTop form={form} shownPaths={["display_name", "email", "current_password"]} />
      <PathField form={form} path="display_name" label="Display name" hint="Shown in the menu; empty: your username.">
        <Input value={form.draft.display_name} maxLength={100} onChange={(e) => set("display_name", e.target.value)} />
      </PathField>
      <PathField form={form} path="email" label="E-mail" required hint="Where password-reset links and e-mail alerts go.">
        <Input type="email" autoComplete="email" value={form.draft.email} onChange={(e) => set("email", e.target.value)} />
      </PathField>
      {emailChanged ? (
        <PathField
          form={form}
          path="current_password"
          label="Current password"
          required
          hint="Needed to change the e-mail address."
        >
          <Input
            type="password"
            autoComplete="current-password"
            value={form.draft.current_password}
            onChange={(e) => set("current_password", e.target.value)}
          />
        </PathField>
      ) : null}
      <div>
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : "Save profile"}
        </Button>
      </div>
    </form>
  );
}

export function Component() {
  const me = useMe();
  return (
    <>
      <PageHeader title="Account" />
      <AccountNav />
      {me.isPending ? (
        <Skeleton className="h-64 max-w-xl" />
      ) : me.isError ? (
        <p role="alert" className="text-sm text-destructive-text">
          Could not load your profile: {me.error.message}
        </p>
      ) : (
        <div className="grid max-w-xl gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Profile</CardTitle>
            </CardHeader>
            <CardContent>
              <ProfileForm key={me.data.updated_at} user={me.data} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>About this account</CardTitle>
            </CardHeader>
            <CardContent>
              <dl className="grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
                <dt className="text-muted-foreground">Username</dt>
                <dd>{me.data.username}</dd>
                <dt className="text-muted-foreground">Role</dt>
                <dd>{ROLE_LABEL[me.data.role]}</dd>
                <dt className="text-muted-foreground">Member since</dt>
                <dd>
                  <RelativeTime value={me.data.created_at} />
                </dd>
              </dl>
            </CardContent>
          </Card>
        </div>
      )}
    </>
  );
}
