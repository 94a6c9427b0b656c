/**
 * First-run setup: the first account becomes the administrator. The server prints a
 * one-time setup token in its log when it starts without users; this form sends it with
 * the new account (`POST /auth/register`), then signs in.
 */
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api, session } from "@/api/client";
import { ApiError, unwrap } from "@/api/envelope";
import { AuthLayout } from "@/components/auth-layout";
import { FormError, FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import * as v from "@/lib/validate";

export function Component() {
  const [params] = useSearchParams();
  const [values, setValues] = useState({
    username: "admin",
    email: "",
    password: "",
    confirm: "",
    setup_token: params.get("token") ?? "",
  });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const server = error instanceof ApiError ? error.fields : {};

  const local: Record<string, string | null> = {
    username: v.username(values.username),
    email: v.email(values.email),
    password: v.password(values.password),
    confirm: values.confirm === values.password ? null : "does not match the password",
    setup_token: v.required(values.setup_token),
  };
  const shown = (field: string, label: string) =>
    server[field] ? `${label} ${server[field]}` : touched[field] ? v.sentence(label, local[field]) : undefined;
  const bind = (field: keyof typeof values) => ({
    value: values[field],
    onChange: (e: { target: { value: string } }) => setValues((old) => ({ ...old, [field]: e.target.value })),
    onBlur: () => setTouched((old) => ({ ...old, [field]: true })),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched({ username: true, email: true, password: true, confirm: true, setup_token: true });
    if (Object.values(local).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST("/api/v1/auth/register", {
          body: {
            username: values.username.trim(),
            email: values.email.trim(),
            password: values.password,
            setup_token: values.setup_token.trim(),
          },
        }),
      );
      await session.signIn(values.username.trim(), values.password);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const general =
    error instanceof ApiError
      ? (error.fields["_"] ?? (Object.keys(error.fields).length ? null : error.summary))
      : error
        ? "Setup failed. Try again."
        : null;

  return (
    <AuthLayout
      title="Set up Monitron"
      description="Create the administrator account. The setup token is printed in the server's log at its first start."
    >
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <FormError message={general} />
        <FormField label="Setup token" error={shown("setup_token", "Setup token")} required hint="Starts with setup_">
          <Input name="setup_token" autoComplete="off" spellCheck={false} className="font-mono" {...bind("setup_token")} />
        </FormField>
        <FormField label="Username" error={shown("username", "Username")} required>
          <Input name="username" autoComplete="username" {...bind("username")} />
        </FormField>
        <FormField label="E-mail" error={shown("email", "E-mail")} required>
          <Input type="email" name="email" autoComplete="email" {...bind("email")} />
        </FormField>
        <FormField label="Password" error={shown("password", "Password")} required hint="At least 10 characters.">
          <Input type="password" name="new-password" autoComplete="new-password" {...bind("password")} />
        </FormField>
        <FormField label="Confirm password" error={shown("confirm", "Confirmation")} required>
          <Input type="password" name="confirm-password" autoComplete="new-password" {...bind("confirm")} />
        </FormField>
        <Button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create administrator"}
        </Button>
        <p className="text-sm text-muted-foreground">
          Already set up?{" "}
          <Link to="/login" className="text-primary-text underline underline-offset-4">
            Sign in
          </Link>
        </p>
      </form>
    </AuthLayout>
  );
}
