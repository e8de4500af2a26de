import { describe, expect, it } from "vitest";
import { requestBodyProblem } from "../../../src/slack/request-body.js";

const form = "application/x-www-form-urlencoded";
const json = "application/json";

/** A slash command as Slack sends it, with `extra` fields after. */
function slash(extra = ""): string {
  return `token=t&team_id=T1&channel_id=C1&user_id=U1&command=%2Fambassador&text=list&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fx&trigger_id=1.2.3${extra}`;
}

/** An interaction's form as Slack sends it, from U1, with `fields` in its payload. */
function interaction(fields: Record<string, unknown>): string {
  return `payload=${encodeURIComponent(JSON.stringify({ user: { id: "U1" }, team: { id: "T1" }, ...fields }))}`;
}

const problemOf = (body: string | Buffer, contentType = form) =>
  requestBodyProblem(contentType, Buffer.from(body), "/ambassador");

describe("the body of a signed request", () => {
  it("takes what Slack sends: a slash command (its text may be empty), an interaction, an event", () => {
    expect(problemOf(slash())).toBeUndefined();
    expect(problemOf(slash().replace("text=list", "text="))).toBeUndefined();
    expect(
      problemOf("command=/ambassador&team_id=T1&channel_id=C1&user_id=U1&response_url=https://h/c"),
    ).toBeUndefined();
    expect(
      problemOf(interaction({ type: "block_actions", actions: [{ action_id: "more" }] })),
    ).toBeUndefined();
    expect(
      problemOf(interaction({ type: "shortcut", callback_id: "link", trigger_id: "1.2" })),
    ).toBeUndefined();
    expect(problemOf(interaction({ type: "block_suggestion", action_id: "pick" }))).toBeUndefined();
    expect(
      problemOf(
        interaction({
          type: "view_submission",
          view: { id: "V1", callback_id: "link", state: { values: {} } },
          team: null,
          user: { id: "U1", team_id: null },
        }),
      ),
    ).toBeUndefined();
    expect(problemOf('{"type":"url_verification","challenge":"c"}', json)).toBeUndefined();
    expect(problemOf('{"type":"event_callback","event":{"type":"app_home_opened"}}', json)).toBeUndefined();
    expect(problemOf('{"type":"app_rate_limited","minute_rate_limited":1}', json)).toBeUndefined();
    expect(problemOf("text=caf%C3%A9+au+lait&ssl_check=1")).toBeUndefined();
  });

  it("refuses a repeated form field, naming it", () => {
    expect(problemOf(slash("&text=ports+web"))).toBe(
      'the form field "text" is repeated; send each field once',
    );
    expect(problemOf(slash("&user_id=U2"))).toBe(
      'the form field "user_id" is repeated; send each field once',
    );
    // Written another way, it is still the same field.
    expect(problemOf(slash("&user%5Fid=U2"))).toMatch(/"user_id" is repeated/);
    expect(problemOf(`payload=%7B%7D&payload=${encodeURIComponent('{"type":"x"}')}`)).toMatch(
      /"payload" is repeated/,
    );
  });

  it("refuses a slash command without the fields its answer needs, or of another name", () => {
    expect(problemOf(slash().replace("command=%2Fambassador&", ""))).toBe(
      'the form has neither a "command" nor a "payload" field; send a slash command or an interaction',
    );
    expect(problemOf("")).toMatch(/neither a "command" nor a "payload"/);
    expect(problemOf(slash().replace("user_id=U1", "user_id="))).toBe(
      'the slash command has no "user_id"; send every field Slack sends with one',
    );
    expect(problemOf(slash().replace(/&response_url=[^&]*/, ""))).toMatch(/no "response_url"/);
    expect(problemOf(slash().replace("%2Fambassador", "%2Fdeploy"))).toBe(
      'the command "/deploy" is not this app\'s; send /ambassador',
    );
  });

  it("refuses bytes that are not UTF-8, raw or percent-encoded", () => {
    expect(problemOf(Buffer.concat([Buffer.from(slash("&text2=")), Buffer.from([0xff, 0xfe])]))).toBe(
      "the body is not valid UTF-8; send it encoded as UTF-8",
    );
    expect(problemOf(slash("&note=%FF"))).toBe(
      'the form field "note" is not percent-encoded UTF-8; encode every field as UTF-8',
    );
    expect(problemOf(slash("&na%E9me=x"))).toMatch(/field "na%E9me" is not percent-encoded UTF-8/);
  });

  it("refuses an interaction or an event that is not a JSON object with a type", () => {
    for (const payload of ["{nope", "null", "[1]", '"text"', "{}", '{"type":1}']) {
      expect({ payload, problem: problemOf(`payload=${encodeURIComponent(payload)}`) }).toEqual({
        payload,
        problem: 'the "payload" field is not a JSON object with a "type"; send the interaction as Slack does',
      });
    }
    for (const body of ["{not json", "null", "[]", "{}"]) {
      expect(problemOf(body, json)).toBe(
        'the body is not a JSON object with a "type"; send an event as Slack does',
      );
    }
  });

  it("refuses an interaction or event this app does not take, or one without what its handler reads, naming it", () => {
    expect(problemOf(interaction({ type: "block_actions" }))).toBe(
      'the "block_actions" interaction has no "actions", each with an "action_id"; send it as Slack does',
    );
    expect(problemOf(interaction({ type: "view_submission", view: { callback_id: "link" } }))).toBe(
      'the "view_submission" interaction has no "view" with an "id", a "callback_id" and "state.values"; send it as Slack does',
    );
    expect(
      problemOf(
        interaction({ type: "view_submission", view: { callback_id: "link", state: { values: {} } } }),
      ),
    ).toMatch(/has no "view" with an "id"/);
    const press = { type: "block_actions", actions: [{ action_id: "more" }] };
    expect(problemOf(interaction({ ...press, team: { id: { $ne: 1 } } }))).toBe(
      'the "block_actions" interaction has a "team" without an "id"; send it as Slack does',
    );
    expect(problemOf(interaction({ ...press, user: { id: "U1", team_id: 7 } }))).toBe(
      'the "block_actions" interaction has a "user.team_id" that is not text; send it as Slack does',
    );
    expect(
      problemOf(interaction({ type: "block_actions", actions: [{ action_id: "more" }], user: null })),
    ).toBe('the "block_actions" interaction has no "user.id"; send it as Slack does');
    expect(problemOf(interaction({ type: "dialog_submission" }))).toBe(
      'the interaction "dialog_submission" is not one this app takes; send block_actions, block_suggestion, shortcut, view_submission',
    );
    expect(problemOf('{"type":"event_callback"}', json)).toBe(
      'the "event_callback" request has no "event" with a "type"; send it as Slack does',
    );
    expect(problemOf('{"type":"url_verification"}', json)).toMatch(/has no "challenge"/);
    expect(problemOf('{"type":"surprise"}', json)).toBe(
      'the request type "surprise" is not one this app takes; send url_verification, event_callback, app_rate_limited',
    );
  });

  it("says a form sent with parameters after its type is not taken as a form, rather than as a bad event", () => {
    expect(problemOf(slash(), "Application/X-WWW-Form-Urlencoded")).toMatch(
      /in lower case with nothing after it/,
    );
    expect(problemOf(slash(), `${form}; charset=utf-8`)).toBe(
      "a form is taken only as Content-Type application/x-www-form-urlencoded, in lower case with nothing after it; send it as Slack does",
    );
  });

  it("refuses a form of more than 100 fields, and keeps a long field name short when showing it", () => {
    const many = Array.from({ length: 101 }, (_, index) => `f${index}=x`).join("&");
    expect(problemOf(many)).toBe("the form has more than 100 fields; send only the fields Slack sends");
    const problem = problemOf(slash(`&${"n".repeat(5000)}=1&${"n".repeat(5000)}=2`)) ?? "";
    expect(problem).toMatch(/is repeated/);
    expect(problem.length).toBeLessThan(120);
    expect(problemOf(slash("&a%0Ab=1&a%0Ab=2"))).toBe(
      'the form field "a\\nb" is repeated; send each field once',
    );
  });
});
