/**
 * Add or change a component: the name visitors see, a line under it, and the one service,
 * domain or instance whose status it publishes.
 */
import { FormTop, PathField } from "@/components/path-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";
import {
  COMPONENT_FORM_PATHS,
  componentDraft,
  emptyComponentDraft,
  TARGET_TYPES,
  toComponentBody,
  type ComponentBody,
  type StatusComponent,
  type TargetType,
} from "@/lib/status-pages";
import { useDraftForm } from "@/lib/use-draft-form";
import { useCreateComponent, useUpdateComponent } from "@/queries/status-pages";
import { MonitorChooser } from "./monitor-chooser";

function ComponentForm({
  component,
  onDone,
  onCancel,
}: {
  component: StatusComponent | null;
  onDone: (saved: StatusComponent) => void;
  onCancel: () => void;
}) {
  const create = useCreateComponent();
  const update = useUpdateComponent(component?.id ?? "");
  const form = useDraftForm(
    component ? componentDraft(component) : emptyComponentDraft(),
    toComponentBody,
    async (body: ComponentBody) => {
      const saved = component ? await update.mutateAsync(body) : await create.mutateAsync(body);
      onDone(saved);
    },
  );
  const { draft } = form;
  return (
    <form
      // Opened from the page form too: its submit must not reach that form through the portal.
      onSubmit={(event) => {
        event.stopPropagation();
        void form.onSubmit(event);
      }}
      noValidate
      className="flex flex-col gap-3"
    >
      <FormTop form={form} shownPaths={COMPONENT_FORM_PATHS} />
      <PathField
        form={form}
        path="display_name"
        label="Display name"
        required
        hint="What visitors read, instead of the monitor's name."
      >
        <Input
          value={draft.display_name}
          maxLength={200}
          onChange={(e) => form.update((old) => ({ ...old, display_name: e.target.value }), ["display_name"])}
        />
      </PathField>
      <PathField form={form} path="description" label="Description" hint="A line under the name on the page (optional).">
        <Textarea
          value={draft.description}
          rows={2}
          className="font-sans text-sm"
          onChange={(e) => form.update((old) => ({ ...old, description: e.target.value }), ["description"])}
        />
      </PathField>
      <PathField form={form} path="target_type" label="Shows the status of a">
        <NativeSelect
          value={draft.target_type}
          onChange={(e) =>
            form.update(
              (old) => ({ ...old, target_type: e.target.value as TargetType, target_id: "", target_name: undefined }),
              ["target_type", "target_id"],
            )
          }
        >
          {TARGET_TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </NativeSelect>
      </PathField>
      <div onBlur={() => form.touch("target_id")}>
        <MonitorChooser
          kind={draft.target_type}
          value={draft.target_id}
          name={draft.target_name}
          error={form.errorFor("target_id")?.replace(/^./, (c) => c.toUpperCase())}
          onChange={(target_id, target_name) => form.update((old) => ({ ...old, target_id, target_name }), ["target_id"])}
        />
      </div>
      <DialogFooter>
        <Button variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={form.busy}>
          {form.busy ? "Saving…" : component ? "Save component" : "Add component"}
        </Button>
      </DialogFooter>
    </form>
  );
}

/** The dialog; `component` null adds one. */
export function ComponentDialog({
  component,
  onClose,
  onSaved,
}: {
  component: StatusComponent | null;
  onClose: () => void;
  onSaved?: (saved: StatusComponent) => void;
}) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-h-[calc(100dvh-2rem)] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>{component ? `Edit ${component.display_name}` : "Add component"}</DialogTitle>
          <DialogDescription>
            A component publishes one service, domain or instance on status pages. One component may sit on many pages.
          </DialogDescription>
        </DialogHeader>
        <ComponentForm
          component={component}
          onCancel={onClose}
          onDone={(saved) => {
            toast("success", component ? `Saved ${saved.display_name}` : `Added ${saved.display_name}`);
            onSaved?.(saved);
            onClose();
          }}
        />
      </DialogContent>
    </Dialog>
  );
}
