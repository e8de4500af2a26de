import { describe, expect, it } from "vitest";
import { brokenPlaintextLink, fannedOutLink, healthyLink } from "../../../bench/link-picture-facts.js";
import { linkDot, palette } from "../../../src/render/link-dot.js";
import { linkTextDiagram } from "../../../src/render/link-text-diagram.js";

/** The DOT statement that declares a node or an edge, by the text it starts with. */
function statement(dot: string, start: string): string {
  const line = dot.split("\n").find((l) => l.trim().startsWith(start));
  if (!line) throw new Error(`no statement starting with ${start} in\n${dot}`);
  return line;
}

describe("the picture of a link, as a graph", () => {
  it("draws both hosts, the four parts and the request's path, with the ports and addresses", () => {
    const dot = linkDot(healthyLink());
    expect(dot).toMatch(
      /subgraph cluster_source \{\n\s+label=<<B>clustera<\/B><FONT[^>]*> source host · 10\.213\.0\.2</,
    );
    expect(dot).toMatch(
      /subgraph cluster_target \{\n\s+label=<<B>clusterb<\/B><FONT[^>]*> target host · 10\.213\.0\.3</,
    );
    expect(statement(dot, "container [")).toContain("<B>app</B>");
    expect(statement(dot, "container [")).toContain("5000/tcp");
    expect(statement(dot, "source_ambassador [")).toContain("publishes 10.213.0.2:5000");
    expect(statement(dot, "target_ambassador [")).toContain("helloapp:5000");
    expect(statement(dot, "web [")).toContain("http://10.213.0.3:32768");
    expect(statement(dot, "web [")).toContain("image hello-web");
    expect(statement(dot, "container -> source_ambassador")).toContain("dir=back");
    expect(statement(dot, "target_ambassador -> web")).toContain("dir=back");
  });

  it("marks mTLS with a solid blue edge and plaintext with a dashed orange one that says target only", () => {
    const mtls = statement(linkDot(healthyLink()), "source_ambassador -> target_ambassador");
    expect(mtls).toContain(`color="${palette.mtls}"`);
    expect(mtls).toContain("style=solid");
    expect(mtls).toContain("mTLS");
    const plain = statement(linkDot(brokenPlaintextLink()), "source_ambassador -> target_ambassador");
    expect(plain).toContain(`color="${palette.plaintext}"`);
    expect(plain).toContain("style=dashed");
    expect(plain).toContain(" plaintext,<BR/> target only");
    expect(plain).not.toContain("mTLS");
  });

  it("colours a healthy link green and a broken one red, naming what is wrong", () => {
    const healthy = linkDot(healthyLink());
    for (const node of ["container [", "source_ambassador [", "target_ambassador [", "web ["])
      expect(statement(healthy, node)).toContain(`fillcolor="${palette.ok.fill}"`);
    expect(statement(healthy, "graph [")).toContain(`COLOR="${palette.ok.line}">healthy`);
    expect(healthy).not.toContain(palette.bad.fill);

    const broken = linkDot(brokenPlaintextLink());
    expect(statement(broken, "target_ambassador [")).toContain(`fillcolor="${palette.bad.fill}"`);
    expect(statement(broken, "target_ambassador [")).toContain("kernel · missing");
    expect(statement(broken, "source_ambassador [")).toContain(`fillcolor="${palette.ok.fill}"`);
    const title = statement(broken, "graph [");
    expect(title).toContain(`COLOR="${palette.bad.line}">broken`);
    expect(title).toContain("• target ambassador");
    expect(title).toContain("clusterb: missing");
  });

  it("draws every target of a fanned-out link in a host of its own, each reached from the source ambassador", () => {
    const dot = linkDot(fannedOutLink());
    expect(dot).toMatch(
      /subgraph cluster_target_2 \{\n\s+label=<<B>clusterc<\/B><FONT[^>]*> target host · 10\.213\.0\.4</,
    );
    expect(statement(dot, "web_2 [")).toContain("http://10.213.0.4:32771");
    expect(statement(dot, "web_2 [")).toContain(`fillcolor="${palette.bad.fill}"`);
    expect(statement(dot, "web [")).not.toContain("10.213.0.4");
    expect(statement(dot, "source_ambassador -> target_ambassador_2")).toContain("mTLS");
    expect(statement(dot, "target_ambassador_2 -> web_2")).toContain("dir=back");
  });

  it("leaves the consumer out when the link has none", () => {
    const dot = linkDot(brokenPlaintextLink());
    expect(dot).not.toMatch(/^\s+web \[/m);
    expect(dot).not.toContain("-> web");
  });

  it("writes names as text, never as Graphviz markup", () => {
    const facts = { ...healthyLink(), alias: 'a<b>&"c' };
    const dot = linkDot(facts);
    expect(dot).toContain("a&lt;b&gt;&amp;&quot;c");
    expect(dot).not.toContain("a<b>");
  });
});

describe("the terminal's picture of a link", () => {
  it("shows both hosts in boxes, each part with a mark, and the protection between them", () => {
    const text = linkTextDiagram(healthyLink());
    expect(text.split("\n")).toEqual([
      "Link 3f9a2c1b7e40 · helloapp · status · health: healthy",
      "┌─ clustera source host · 10.213.0.2 ─┐",
      "│ ✔ app                               │",
      "│   container · running               │",
      "│   5000/tcp                          │",
      "│   ▲                                 │",
      "│ ✔ ambassador-3f9a2c1b7e40-source    │",
      "│   source ambassador · tls · running │",
      "│   publishes 10.213.0.2:5000         │",
      "└─────────────────────────────────────┘",
      "  ▲ ══ mTLS",
      "┌─ clusterb target host · 10.213.0.3 ─┐",
      "│ ✔ ambassador-3f9a2c1b7e40-target    │",
      "│   target ambassador · tls · running │",
      "│   helloapp:5000                     │",
      "│   ▲                                 │",
      "│ ✔ web                               │",
      "│   consumer · running                │",
      "│   image hello-web                   │",
      "│   http://10.213.0.3:32768           │",
      "└─────────────────────────────────────┘",
    ]);
  });

  it("says what is broken and marks the missing part, with no consumer box line", () => {
    const text = linkTextDiagram(brokenPlaintextLink());
    expect(text).toContain("health: broken\n• target ambassador");
    expect(text).toContain("✘ ambassador-3f9a2c1b7e40-target");
    expect(text).toContain("▲ ┄┄ plaintext, target only");
    expect(text).not.toContain("consumer");
  });
});
