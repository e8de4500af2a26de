/**
 * The commands after which the links a person sees may have changed: the Home tabs are redrawn after each, a one-shot
 * one finishes before a signal ends it, and `list` shows what it did.
 */
export const changesLinks: ReadonlySet<string> = new Set(["link", "teardown", "repair", "reconcile"]);
