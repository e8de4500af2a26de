import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { slackSignature } from "../../../src/slack/signature.js";
import { sleep } from "../../support/raw-http.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;

beforeEach(async () => {
  harness = await startSlackHarness();
});

afterEach(async () => {
  await harness.close();
});

const form = "application/x-www-form-urlencoded";

/** Posts a body signed over its bytes, as Slack signs, and times the answer. */
async function postSigned(body: string | Buffer, contentType = form) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = performance.now();
  const response = await fetch(`${harness.url}/slack/events`, {
    method: "POST",
    body,
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(harness.signingSecret, timestamp, body),
    },
  });
  return { status: response.status, text: await response.text(), ms: performance.now() - started };
}

/** A slash command's fields as Slack sends them; `repeat` sends some of them a second time. */
function slashForm(text: string, repeat: [string, string][] = []): string {
  const fields = new URLSearchParams({
    token: "legacy-verification-token",
    team_id: "T1",
    channel_id: "C1",
    user_id: "UADMIN",
    command: "/ambassador",
    text,
    response_url: `${harness.url}/commands/T1/1/never`,
    trigger_id: "1.1.abc",
  });
  for (const [name, value] of repeat) fields.append(name, value);
  return fields.toString();
}

/** An interaction's payload as Slack sends it but for a channel that is null. */
function interaction(fields: Record<string, unknown>): string {
  const payload = { user: { id: "U1" }, team: { id: "T1" }, channel: null, ...fields };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** An app_home_opened event with the given fields of its own. */
function homeOpened(fields: Record<string, unknown>): string {
  return JSON.stringify({
    type: "event_callback",
    team_id: "T1",
    event: { type: "app_home_opened", tab: "home", ...fields },
  });
}

/** The log's lines, read as JSON. */
const logLines = () => harness.log.lines();

describe("a signed request whose body Slack would not send", () => {
  it("with a repeated form field gets a one-line 400 naming the field, and nothing runs", async () => {
    const body = slashForm("link app clustera clusterb --web hello-web", [
      ["text", "list"],
      ["user_id", "U2"],
    ]);
    const reply = await postSigned(body);

    expect(reply.status).toBe(400);
    expect(reply.text).toBe('Bad request: the form field "text" is repeated; send each field once.\n');
    await sleep(200);
    expect(harness.lab?.links.all()).toEqual([]);
    expect(harness.responses).toEqual([]);
    expect(await harness.services.audit.entries()).toEqual([]);
    const refusals = logLines().filter((line) => line.msg.startsWith("refused a signed request whose body"));
    expect(refusals.map((line) => line.problem)).toEqual([
      'the form field "text" is repeated; send each field once',
    ]);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);

    // The bot goes on answering.
    expect(await harness.health()).toBe(200);
    const help = await harness.slash("help");
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.body)).not.toContain("Something went wrong");
  });

  it("of any other kind gets a one-line 400 at once, never a 500, a 404 after 3 s or an error logged", async () => {
    const cases: [string, string | Buffer, string?][] = [
      ["a slash command sent twice over", slashForm("list", [["user_id", "U2"]])],
      ["no command", slashForm("list").replace("command=%2Fambassador&", "")],
      ["no response URL", slashForm("list").replace(/&response_url=[^&]*/, "")],
      [
        "a javascript: response URL",
        slashForm("list").replace(/&response_url=[^&]*/, "&response_url=javascript%3Aalert(1)"),
      ],
      [
        "a file: response URL",
        slashForm("list").replace(/&response_url=[^&]*/, "&response_url=file%3A%2F%2F%2Fetc%2Fpasswd"),
      ],
      [
        "a response URL that is no URL",
        slashForm("list").replace(/&response_url=[^&]*/, "&response_url=nowhere"),
      ],
      ["another app's command", slashForm("list").replace("%2Fambassador", "%2Fdeploy")],
      [
        "bytes that are not UTF-8",
        Buffer.concat([Buffer.from(slashForm("list")), Buffer.from("&x=\xff", "latin1")]),
      ],
      ["a percent escape that is not UTF-8", `${slashForm("list")}&x=%FF`],
      ["a payload that is not JSON", "payload=%7Bnope"],
      ["a payload with no type", "payload=%7B%7D"],
      ["two payloads", "payload=%7B%7D&payload=%7B%7D"],
      ["an event with no type", "{}", "application/json"],
      [
        "a button press in a null channel",
        interaction({ type: "block_actions", actions: [{ action_id: "more_page" }] }),
      ],
      [
        "a picker's query in a null channel",
        interaction({ type: "block_suggestion", action_id: "link_container" }),
      ],
      ["an event by a null user", homeOpened({ user: null }), "application/json"],
      ["an event in a null channel", homeOpened({ user: "U1", channel: null }), "application/json"],
      ["an event about a null item", homeOpened({ user: "U1", item: null }), "application/json"],
    ];
    for (const [name, body, contentType] of cases) {
      const reply = await postSigned(body, contentType);
      expect({ name, status: reply.status }).toEqual({ name, status: 400 });
      expect(reply.text).toMatch(/^Bad request: [^\n]+; [^\n]+\.\n$/);
      expect(reply.ms).toBeLessThan(1_000);
    }
    await sleep(200);
    expect(harness.responses).toEqual([]);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
    expect(await harness.health()).toBe(200);
    expect((await harness.slash("help")).status).toBe(200);
  });

  it("with a null where Bolt reads an ID, a field of another kind of request or a team named like a property of every object gets a 400 naming it; the shapes Slack sends pass", async () => {
    const json = "application/json";
    const refused: [string, string, string?][] = [
      [
        interaction({ type: "block_actions", actions: [{ action_id: "more_page" }] }),
        'the "block_actions" interaction has a "channel" that is not an object',
      ],
      [
        interaction({ type: "block_suggestion", action_id: "link_container" }),
        'the "block_suggestion" interaction has a "channel" that is not an object',
      ],
      [
        homeOpened({ user: null }),
        'the "event_callback" request has an "event.user" that is neither an ID nor a user with an "id"',
        json,
      ],
      [
        homeOpened({ user: "U1", channel: null }),
        'the "event_callback" request has an "event.channel" that is neither an ID nor an object',
        json,
      ],
      [
        homeOpened({ user: "U1", item: null }),
        'the "event_callback" request has an "event.item" that is not an object',
        json,
      ],
      [
        JSON.stringify({ ...JSON.parse(homeOpened({ user: "U1" })), authorizations: [null] }),
        'the "event_callback" request has "authorizations" that are not a list of objects',
        json,
      ],
      [
        homeOpened({ subteam: null }),
        'the "event_callback" request has an "event.subteam" that is not an object',
        json,
      ],
      ...[null, [null], "https://hooks.slack.com/x"].map((urls): [string, string] => [
        interaction({
          type: "block_actions",
          channel: { id: "C1" },
          actions: [{ action_id: "more_page" }],
          response_urls: urls,
        }),
        'the "block_actions" interaction has "response_urls" that are not a list of objects',
      ]),
    ];
    for (const [body, problem, contentType] of refused) {
      const reply = await postSigned(body, contentType);
      expect({ status: reply.status, text: reply.text }).toEqual({
        status: 400,
        text: `Bad request: ${problem}; send it as Slack does.\n`,
      });
    }
    // A field of another kind of request, and a team named like a property of every object: Bolt reads the first
    // as that kind and looks its clients up by the second, and answered both with a 500.
    const slashWith = (fields: Record<string, string>) => {
      const body = new URLSearchParams(slashForm("help"));
      for (const [name, value] of Object.entries(fields)) body.set(name, value);
      return body.toString();
    };
    const asOtherKind: [string, string, string?][] = [
      [
        slashWith({ event: "x" }),
        'the slash command has a field "event", which another kind of request carries; send the fields Slack sends',
      ],
      ...["__proto__", "constructor", "valueOf"].map((team): [string, string] => [
        slashWith({ team_id: team }),
        `the slash command names a team or enterprise "${team}", which no workspace is; send the fields Slack sends`,
      ]),
      [
        JSON.stringify({ ...JSON.parse(homeOpened({ user: "U1" })), team_id: "constructor" }),
        'the "event_callback" request names a team or enterprise "constructor", which no workspace is; send it as Slack does',
        json,
      ],
      [
        JSON.stringify({ ...JSON.parse(homeOpened({ user: "U1" })), team_id: ["__proto__"] }),
        'the "event_callback" request names a team or enterprise "__proto__", which no workspace is; send it as Slack does',
        json,
      ],
      [
        JSON.stringify({
          ...JSON.parse(homeOpened({ user: "U1" })),
          authorizations: [{ team_id: "__proto__", enterprise_id: null }],
        }),
        'the "event_callback" request names a team or enterprise "__proto__", which no workspace is; send it as Slack does',
        json,
      ],
    ];
    const pressedWith = (fields: Record<string, unknown>) =>
      interaction({
        type: "block_actions",
        channel: { id: "C1" },
        actions: [{ action_id: "more_page" }],
        ...fields,
      });
    const shortcut = { type: "shortcut", callback_id: "zzz", trigger_id: "1.2.3", channel: undefined };
    const interactions: [string, string][] = [
      [
        interaction({ ...shortcut, event: null }),
        'the "shortcut" interaction has a field "event", which another kind of request carries',
      ],
      [
        interaction({ ...shortcut, actions: null }),
        'the "shortcut" interaction has a field "actions", which another kind of request carries',
      ],
      [
        interaction({
          type: "block_suggestion",
          action_id: "link_container",
          channel: { id: "C1" },
          command: null,
        }),
        'the "block_suggestion" interaction has a field "command", which another kind of request carries',
      ],
      [
        pressedWith({ name: "x" }),
        'the "block_actions" interaction has a field "name", which another kind of request carries',
      ],
      [
        pressedWith({ team: { id: "toString" } }),
        'the "block_actions" interaction names a team or enterprise "toString", which no workspace is',
      ],
      [
        pressedWith({ team: null, enterprise: { id: "__proto__" } }),
        'the "block_actions" interaction names a team or enterprise "__proto__", which no workspace is',
      ],
    ];
    for (const [body, problem, contentType] of asOtherKind) {
      const reply = await postSigned(body, contentType);
      expect({ status: reply.status, text: reply.text }).toEqual({
        status: 400,
        text: `Bad request: ${problem}.\n`,
      });
    }
    for (const [body, problem] of interactions) {
      const reply = await postSigned(body);
      expect({ status: reply.status, text: reply.text }).toEqual({
        status: 400,
        text: `Bad request: ${problem}; send it as Slack does.\n`,
      });
    }
    // As Slack sends them: a channel object on a button press, a channel ID and a user object on an event.
    const pressed = interaction({
      type: "block_actions",
      channel: { id: "C1", name: "general" },
      actions: [{ action_id: "nothing_listens_here" }],
    });
    expect((await postSigned(pressed)).status).toBe(200);
    const withUrls = interaction({
      type: "block_actions",
      channel: { id: "C1" },
      actions: [{ action_id: "nothing_listens_here" }],
      response_urls: [{ response_url: "https://hooks.slack.com/x", channel_id: "C1" }],
    });
    expect((await postSigned(withUrls)).status).toBe(200);
    expect((await postSigned(homeOpened({ subteam: { id: "S1", created_by: "U1" } }), json)).status).toBe(
      200,
    );
    for (const fields of [{ user: "U1", channel: "D1" }, { user: { id: "U1" } }]) {
      expect((await postSigned(homeOpened(fields), json)).status).toBe(200);
    }
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
  });
});
