import { linkDialogCallback } from "../../src/render/link-dialog-blocks.js";
import { sealDialogOrigin } from "../../src/slack/dialog-metadata.js";

/** Who a dialog was opened for and where, and the bot token it was sealed with (the harness's). */
export interface DialogOpener {
  botToken: string;
  user?: string;
  channel?: string;
}

/**
 * The link dialog as Slack sends it back on submission: its fields' `state.values`, opened by `user` (UADMIN unless
 * said) from `channel` (C1 unless said), its metadata sealed as the bot seals it.
 */
export function submittedLinkDialog(values: Record<string, unknown>, opener: DialogOpener) {
  const { botToken, user = "UADMIN", channel = "C1" } = opener;
  return {
    id: "VDIALOG",
    hash: "h0",
    type: "modal",
    callback_id: linkDialogCallback,
    private_metadata: sealDialogOrigin(botToken, user, { channel }),
    state: { values },
  };
}
