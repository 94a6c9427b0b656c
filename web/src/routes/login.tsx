import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { session } from "@/api/client";
import { ApiError } from "@/api/envelope";
import { AuthLayout } from "@/components/auth-layout";
import { FormError, FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useAuthStatus } from "@/queries/auth-status";

function signInMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return "Signing in failed. Try again.";
  if (error.code === 40103) return "Wrong username, e-mail or password.";
  if (error.code === 40302) return "This account is deactivated. Ask an administrator.";
  if (error.code === 42901) return "Too many attempts. Wait a minute and try again.";
  return error.summary;
}

export function Component() {
  const [params] = useSearchParams();
  const status = useAuthStatus();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiError ? error.fields : {};
  const expired = params.has("next");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // On success the session turns signed-in and the page moves on by itself.
      await session.signIn(login.trim(), password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <AuthLayout title="Sign in" description={expired ? "Sign in to continue where you were." : undefined}>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError message={error ? signInMessage(error) : null} />
        <FormField label="Username or e-mail" error={fields["login"]} required>
          <Input
            name="username"
            autoComplete="username"
            autoFocus
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            required
          />
        </FormField>
        <FormField label="Password" error={fields["password"]} required>
          <Input
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </FormField>
        <Button type="submit" disabled={busy || !login.trim() || !password}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
        <div className="flex flex-col gap-1 text-sm">
          {status.data?.email_enabled === false ? null : (
            <Link to="/forgot-password" className="text-primary-text underline underline-offset-4">
              Forgot your password?
            </Link>
          )}
          {status.data?.setup_required ? (
            <p className="text-muted-foreground">
              First start of this server?{" "}
              <Link to="/setup" className="text-primary-text underline underline-offset-4">
                Create the administrator
              </Link>
            </p>
          ) : null}
        </div>
      </form>
    </AuthLayout>
  );
}
