import { describe, expect, it } from "vitest";
import { requestBodyProblem } from "../../../src/slack/request-body.js";

const form = "application/x-www-form-urlencoded";
const json = "application/json";

/** A slash command as Slack sends it, with `extra` fields after. */
function slash(extra = ""): string {
  return `token=t&team_id=T1&channel_id=C1&user_id=U1&command=%2Fambassador&text=list&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fx&trigger_id=1.2.3${extra}`;
}

const problemOf = (body: string | Buffer, contentType = form) =>
  requestBodyProblem(contentType, Buffer.from(body), "/ambassador");

describe("the body of a signed request", () => {
  it("takes what Slack sends: a slash command (its text may be empty), an interaction, an event", () => {
    expect(problemOf(slash())).toBeUndefined();
    expect(problemOf(slash().replace("text=list", "text="))).toBeUndefined();
    expect(
      problemOf("command=/ambassador&team_id=T1&channel_id=C1&user_id=U1&response_url=u"),
    ).toBeUndefined();
    expect(problemOf(`payload=${encodeURIComponent('{"type":"block_actions"}')}`)).toBeUndefined();
    expect(problemOf('{"type":"url_verification","challenge":"c"}', json)).toBeUndefined();
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
