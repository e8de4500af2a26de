import { LinkInput } from "./link.js";

/** The link dialog's fields as submitted; empty fields are absent. */
export interface LinkForm {
  container?: string;
  sourceCluster?: string;
  targetCluster?: string;
  alias?: string;
  /** As typed: port numbers separated by spaces or commas. */
  ports?: string;
  web?: string;
  /** A container already running on the target cluster. */
  consumer?: string;
}

/** The form's fields, as the dialog names them. */
export type LinkFormField =
  | "container"
  | "sourceCluster"
  | "targetCluster"
  | "alias"
  | "ports"
  | "web"
  | "consumer";

/** A form ready to run as the words of a typed `link`, or what is wrong with each field. */
export type CheckedLinkForm =
  | { ok: true; words: string[] }
  | { ok: false; errors: Partial<Record<LinkFormField, string>> };

const fields = new Set<string>([
  "container",
  "sourceCluster",
  "targetCluster",
  "alias",
  "ports",
  "web",
  "consumer",
]);

/**
 * Checks the form with the schema the typed `link` is parsed with, and turns it into the words of that command,
 * so a submission runs exactly what typing it would.
 */
export function checkLinkForm(form: LinkForm): CheckedLinkForm {
  const ports = form.ports?.split(/[\s,]+/).filter(Boolean);
  const input = {
    container: form.container ?? "",
    sourceCluster: form.sourceCluster ?? "",
    targetCluster: form.targetCluster ?? "",
    alias: form.alias,
    ports: ports?.length ? ports : undefined,
    web: form.web,
    consumer: form.consumer,
  };
  const errors: Partial<Record<LinkFormField, string>> = {};
  for (const field of ["container", "sourceCluster", "targetCluster"] as const)
    if (!form[field]) errors[field] = "is required: choose one";
  if (Object.keys(errors).length) return { ok: false, errors };
  const parsed = LinkInput.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      const field = (fields.has(key) ? key : "container") as LinkFormField;
      const detail = field === "ports" && issue.path.length > 1 ? `"${ports?.[Number(issue.path[1])]}" ` : "";
      errors[field] ??= `${detail}${issue.message}`;
    }
    return { ok: false, errors };
  }
  const words = ["link", input.container, input.sourceCluster, input.targetCluster];
  if (input.alias) words.push("--alias", input.alias);
  for (const port of input.ports ?? []) words.push("--port", port);
  if (input.web) words.push("--web", input.web);
  if (input.consumer) words.push("--consumer", input.consumer);
  return { ok: true, words };
}
