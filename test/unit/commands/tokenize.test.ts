import { describe, expect, it } from "vitest";
import { tokenize, unformatSlackText } from "../../../src/commands/tokenize.js";

const words = (text: string) => {
  const result = tokenize(text);
  if (!result.ok) throw new Error(result.error);
  return result.tokens;
};

describe("tokenize", () => {
  it("splits on whitespace and groups quotes", () => {
    expect(words(`link  app "cluster a" 'b c'`)).toEqual(["link", "app", "cluster a", "b c"]);
    expect(words(`a\\ b "x\\"y"`)).toEqual(["a b", 'x"y']);
    expect(words(`--alias=""`)).toEqual(["--alias="]);
    expect(words(`""`)).toEqual([""]);
  });

  it("reads smart quotes and the dashes Slack makes of --", () => {
    expect(words("link app clustera clusterb \u2014alias \u201Chello app\u201D")).toEqual([
      "link",
      "app",
      "clustera",
      "clusterb",
      "--alias",
      "hello app",
    ]);
    expect(words("ports web \u2013cluster clusterb \u2018x\u2019")).toEqual([
      "ports",
      "web",
      "--cluster",
      "clusterb",
      "x",
    ]);
  });

  it("undoes Slack's auto-formatting of links, channels and users", () => {
    expect(
      unformatSlackText("<http://hello.app|hello.app> <#C123|general> <@U99|bob> <!here> a &amp;&lt;&gt;"),
    ).toBe("hello.app C123 U99 here a &<>");
    expect(words("link <http://app.example.com|app.example.com> clustera clusterb")[1]).toBe(
      "app.example.com",
    );
    expect(words("ports <mailto:x@y.z|x@y.z>")[1]).toBe("x@y.z");
  });

  it("reports a quote that is not closed instead of throwing", () => {
    expect(tokenize(`link "app`)).toEqual({ ok: false, error: "a double quote is not closed" });
    expect(tokenize("link \u2018app")).toEqual({ ok: false, error: "a single quote is not closed" });
  });

  it("refuses control characters, direction marks and other format characters, naming the character, and drops marks that hide nothing", () => {
    for (const [text, code] of [
      ["teardown ab\u202ecd", "U+202E"],
      ["status a\u0000b", "U+0000"],
      ["status a\u001b[31mX", "U+001B"],
      ["status a\u009b2J", "U+009B"],
      ["ports we\u2066b", "U+2066"],
      // A right-to-left mark shows `web-1` as `web1-`: the line would run other than it reads.
      ["teardown web\u200f-1", "U+200F"],
      ["teardown web\u200e-1", "U+200E"],
      ["teardown db\u061c.2", "U+061C"],
      ["ports web\u2062", "U+2062"],
      ["ports web\u{e0041}", "U+E0041"],
      ["ports w\u180eeb", "U+180E"],
      ["status a\u007fb", "U+007F"],
      ["ports we\u034fb", "U+034F"],
      ["ports \u3164web", "U+3164"],
      ["ports web\ufe0f", "U+FE0F"],
    ] as const) {
      expect(tokenize(text)).toEqual({
        ok: false,
        error: `it holds a control character, a direction mark or another invisible character (${code}), which no name has; type it again without it`,
      });
    }
    // A byte order mark parts words; a soft hyphen, a word joiner and zero-width spaces and joiners hide and move
    // nothing and are dropped, as is a zero-width space between a space and a dash.
    expect(words("ports w\u200beb\ufeff--cluster\nclusterb")).toEqual([
      "ports",
      "web",
      "--cluster",
      "clusterb",
    ]);
    expect(words("ports \u00adweb\u2060\u200c\u200d \u200b\u2014cluster clusterb")).toEqual([
      "ports",
      "web",
      "--cluster",
      "clusterb",
    ]);
  });
});
