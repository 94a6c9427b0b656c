/** Name/value rows (headers, labels, metadata), added and removed by the user. */
import { Plus, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import type { Pair } from "@/lib/service-form";

export function PairsEditor({
  id,
  label,
  pairs,
  onChange,
  keyPlaceholder = "Name",
  valuePlaceholder = "Value",
  secretValues = false,
  addLabel,
  describedBy,
  invalid,
}: {
  id: string;
  label: string;
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  keyPlaceholder?: string;
  valuePlaceholder?: string;
  /** Hide values whose name suggests a secret (Authorization, X-Api-Key). */
  secretValues?: boolean;
  addLabel: string;
  describedBy?: string | undefined;
  invalid?: boolean;
}) {
  const set = (index: number, change: Partial<Pair>) => onChange(pairs.map((p, i) => (i === index ? { ...p, ...change } : p)));
  return (
    <fieldset id={id} className="flex flex-col gap-2" aria-describedby={describedBy} aria-invalid={invalid || undefined}>
      <legend className="mb-1.5 text-sm font-medium">{label}</legend>
      {pairs.map((pair, index) => {
        const secret = secretValues && /auth|token|secret|key|cookie|password|session/i.test(pair.key);
        return (
          <div key={index} className="flex gap-2">
            <Input
              aria-label={`${label} ${index + 1} name`}
              placeholder={keyPlaceholder}
              value={pair.key}
              onChange={(e) => set(index, { key: e.target.value })}
              className="font-mono text-xs"
            />
            <Input
              aria-label={`${label} ${index + 1} value`}
              placeholder={valuePlaceholder}
              value={pair.value}
              type={secret ? "password" : "text"}
              autoComplete="off"
              onChange={(e) => set(index, { value: e.target.value })}
              className="font-mono text-xs"
            />
            <Button
              variant="ghost"
              size="icon"
              aria-label={`Remove ${label.toLowerCase()} ${pair.key || index + 1}`}
              onClick={() => onChange(pairs.filter((_, i) => i !== index))}
            >
              <X aria-hidden="true" />
            </Button>
          </div>
        );
      })}
      <div>
        <Button variant="outline" size="sm" onClick={() => onChange([...pairs, { key: "", value: "" }])}>
          <Plus aria-hidden="true" />
          {addLabel}
        </Button>
      </div>
    </fieldset>
  );
}
