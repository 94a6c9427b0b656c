import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/envelope";
import { AuthLayout } from "@/components/auth-layout";
import { FormError, FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import * as v from "@/lib/validate";

export function Component() {
  const [email, setEmail] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const problem = v.email(email);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/auth/forgot-password", { body: { email: email.trim() } }));
      setSent(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (sent) {
    return (
      <AuthLayout title="Check your inbox">
        <p className="text-sm" role="status">
          If an account uses <strong className="break-all">{email.trim()}</strong>, a link to choose a new password is on its way.
          It works once, for 30 minutes.
        </p>
        <p className="mt-4 text-sm">
          <Link to="/login" className="text-primary-text underline underline-offset-4">
            Back to sign in
          </Link>
        </p>
      </AuthLayout>
    );
  }

  const server = error instanceof ApiError ? error.fields : {};
  return (
    <AuthLayout
      title="Forgot your password?"
      description="Enter your account's e-mail address and we'll send you a link to reset it."
    >
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError
          message={
            error instanceof ApiError
              ? error.code === 42901
                ? "Too many requests. Wait a while and try again."
                : server["email"]
                  ? null
                  : error.summary
              : null
          }
        />
        <FormField
          label="E-mail"
          required
          error={server["email"] ? `E-mail ${server["email"]}` : touched ? v.sentence("E-mail", problem) : undefined}
        >
          <Input
            type="email"
            name="email"
            autoComplete="email"
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            onBlur={() => setTouched(true)}
          />
        </FormField>
        <Button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send reset link"}
        </Button>
        <Link to="/login" className="text-sm text-primary-text underline underline-offset-4">
          Back to sign in
        </Link>
      </form>
    </AuthLayout>
  );
}
