/**
 * How long one post to Slack (a command's answer at its response URL, a Web API call) may take, its answer included:
 * past it the post is given up and its connection closed, so an address that accepts and never answers holds
 * nothing of the bot's for long.
 */
export const slackPostDeadlineMs = 10_000;

/** `fetch` with a deadline on every request, beside any signal the caller gives. */
export function fetchWithDeadline(deadlineMs: number, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(deadlineMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return base(input, { ...init, signal });
  };
}
