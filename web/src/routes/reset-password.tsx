import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/envelope";
import { AuthLayout } from "@/components/auth-layout";
import { FormError, FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import * as v from "@/lib/validate";

export function Component() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState({ password: false, confirm: false });
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  if (!token) {
    return (
      <AuthLayout title="Reset password">
        <p className="text-sm">This page needs the link from the password-reset e-mail.</p>
        <p className="mt-4 text-sm">
          <Link to="/forgot-password" className="text-primary-text underline underline-offset-4">
            Ask for a new link
          </Link>
        </p>
      </AuthLayout>
    );
  }

  if (done) {
    return (
      <AuthLayout title="Password changed">
        <p className="text-sm" role="status">
          Your new password is set and every other session of your account was signed out.
        </p>
        <Button asChild className="mt-4 w-full">
          <Link to="/login">Sign in</Link>
        </Button>
      </AuthLayout>
    );
  }

  const passwordProblem = v.password(password);
  const confirmProblem = confirm === password ? null : "does not match the password";
  const server = error instanceof ApiError ? error.fields : {};

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched({ password: true, confirm: true });
    if (passwordProblem || confirmProblem) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/auth/reset-password", { body: { token, new_password: password } }));
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const tokenProblem = server["token"];
  return (
    <AuthLayout title="Choose a new password">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError
          message={
            tokenProblem
              ? `This link ${tokenProblem}. Ask for a new one.`
              : error instanceof ApiError && !server["new_password"]
                ? error.summary
                : null
          }
        />
        <FormField
          label="New password"
          required
          hint="At least 10 characters."
          error={
            server["new_password"]
              ? `Password ${server["new_password"]}`
              : touched.password
                ? v.sentence("Password", passwordProblem)
                : undefined
          }
        >
          <Input
            type="password"
            autoComplete="new-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            onBlur={() => setTouched((t) => ({ ...t, password: true }))}
          />
        </FormField>
        <FormField
          label="Confirm new password"
          required
          error={touched.confirm ? v.sentence("Confirmation", confirmProblem) : undefined}
        >
          <Input
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            onBlur={() => setTouched((t) => ({ ...t, confirm: true }))}
          />
        </FormField>
        <Button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Set new password"}
        </Button>
        {tokenProblem ? (
          <Link to="/forgot-password" className="text-sm text-primary-text underline underline-offset-4">
            Ask for a new link
          </Link>
        ) : null}
      </form>
    </AuthLayout>
  );
}
