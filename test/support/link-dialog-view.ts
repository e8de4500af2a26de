import { linkDialogCallback } from "../../src/render/link-dialog-blocks.js";

/** The link dialog as Slack sends it back on submission: its fields' `state.values`, opened from `channel`. */
export function submittedLinkDialog(values: Record<string, unknown>, channel = "C1") {
  return {
    id: "VDIALOG",
    hash: "h0",
    type: "modal",
    callback_id: linkDialogCallback,
    private_metadata: JSON.stringify({ channel }),
    state: { values },
  };
}
