import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commands } from "../../../src/commands/command-table.js";
import { parseCommand, parseWords } from "../../../src/commands/parse.js";

function parsed(text: string) {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(result.problem);
  return { name: result.command.name, input: result.input };
}

function problem(text: string) {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`expected ${text} to be refused`);
  return result;
}

describe("parseCommand", () => {
  it("reads link with every option, with or without /ambassador", () => {
    const text =
      "link app clustera clusterb --alias helloapp --port 5000 --port=6000 --web hello-web --web-name web --legacy-links";
    const expected = {
      name: "link",
      input: {
        container: "app",
        sourceCluster: "clustera",
        targetCluster: ["clusterb"],
        alias: "helloapp",
        ports: [5000, 6000],
        web: "hello-web",
        webName: "web",
        legacyLinks: true,
      },
    };
    expect(parsed(text)).toEqual(expected);
    expect(parsed(`/ambassador ${text}`)).toEqual(expected);
    expect(
      parsed(
        `LINK app clustera clusterb \u2014alias helloapp \u2014port 5000 \u2014port 6000 \u2014web hello-web \u2014web-name web \u2014legacy-links`,
      ),
    ).toEqual(expected);
  });

  it("reads a fan-out to several target clusters, and teardown of one of them", () => {
    expect(parsed("link app clustera clusterb,clusterc --web hello-web")).toEqual({
      name: "link",
      input: {
        container: "app",
        sourceCluster: "clustera",
        targetCluster: ["clusterb", "clusterc"],
        web: "hello-web",
      },
    });
    expect(parsed("teardown app --target clusterc")).toEqual({
      name: "teardown",
      input: { link: "app", target: "clusterc" },
    });
  });

  it("reads ports, teardown, list, clusters and help", () => {
    expect(parsed("ports web --cluster clusterb")).toEqual({
      name: "ports",
      input: { container: "web", cluster: "clusterb" },
    });
    expect(parsed("teardown")).toEqual({ name: "teardown", input: {} });
    expect(parsed("teardown lnk0001")).toEqual({ name: "teardown", input: { link: "lnk0001" } });
    expect(parsed("list")).toEqual({ name: "list", input: {} });
    expect(parsed("clusters")).toEqual({ name: "clusters", input: {} });
    expect(parsed("")).toEqual({ name: "help", input: {} });
    expect(parsed("/ambassador")).toEqual({ name: "help", input: {} });
    expect(parsed("help link")).toEqual({ name: "help", input: { command: "link" } });
  });

  it("takes words from a shell as they are", () => {
    const result = parseWords(["link", "app", "clustera", "clusterb", "--alias", "<x>"]);
    expect(result.ok).toBe(false);
    expect(parseWords(["ports", "web"]).ok).toBe(true);
  });

  it.each([
    ["an escape sequence", "x\u001b]0;pwned\u0007y", "U+001B"],
    ["a direction mark", "web\u202Egpj", "U+202E"],
    ["a carriage return", "app\rZZZZ", "U+000D"],
    ["a vertical tab", "app\u000bx", "U+000B"],
  ])("refuses shell words holding %s, as a typed line, without echoing them", (_, word, code) => {
    for (const words of [
      ["status", word],
      ["ports", "web", "--cluster", word],
    ]) {
      const result = parseWords(words);
      expect(result).toMatchObject({ ok: false });
      if (result.ok) continue;
      expect(result.problem).toBe(
        `Could not read the command: it holds a control character, a direction mark or another invisible character (${code}), which no name has; type it again without it.`,
      );
      expect(result.problem).not.toContain(word);
    }
  });

  it.each([
    ["lnik app a b", /Unknown command `lnik`\. Did you mean `link`\?/, undefined],
    [
      "frobnicate",
      /Unknown command `frobnicate`\. Commands: link, ports, teardown, list, status, repair, clusters, reconcile, help\./,
      undefined,
    ],
    [
      "link app clustera",
      /Missing <target-cluster>\./,
      /^link <container> <source-cluster> <target-cluster>/,
    ],
    ["link app clustera clusterb extra", /Unexpected argument `extra`\./, /^link /],
    [`help list ${"x ".repeat(5_000)}`, /^Unexpected arguments `x` `x` `x` and 4997 more\.$/m, /^help /],
    [`help ${"a".repeat(65)}`, /^Bad value for <command> `a+…`: is longer than 64 characters\.$/m, /^help /],
    [
      "clusters add evil --docker-env /tmp/x",
      /^Unknown option `--docker-env` for `clusters`\. `clusters` takes no options\. Clusters are added, changed and removed at a terminal on the bot's machine \(`npm run cli -- clusters add <name> --docker-env …`\), never from Slack: their credentials stay there\.$/m,
      /^clusters/,
    ],
    [
      "clusters add evil",
      /^Unexpected arguments `add` `evil`\. Clusters are added, changed and removed at a terminal/m,
      /^clusters/,
    ],
    ["link app clustera clusterb --alais x", /Unknown option `--alais`.*Did you mean `--alias`\?/, /^link /],
    ["link app clustera clusterb -p 5000", /Unknown option `-p`/, /^link /],
    [
      "link app clustera clusterb --port 99999",
      /Bad value for --port `99999`: must be a port number 1-65535\./,
      /^link /,
    ],
    ["link app clustera clusterb --port", /`--port N` needs a value\./, /^link /],
    ["link app clustera clusterb --alias a --alias b", /`--alias` is given more than once\./, /^link /],
    ["link app clustera clusterb --legacy-links=yes", /is a flag and takes no value/, /^link /],
    [
      "link app clustera clustera",
      /Bad value for <target-cluster> `clustera`: the source and target clusters must be different\./,
      /^link /,
    ],
    [
      "link app clustera clusterb,clusterb",
      /^Bad value for <target-cluster> `clusterb,clusterb`: clusterb is named twice; name each target cluster once\.$/,
      /^link /,
    ],
    [
      "link app clustera clusterb,clustera",
      /^Bad value for <target-cluster> `clusterb,clustera`: the source and target clusters must be different\.$/,
      /^link /,
    ],
    [
      "link app clustera clusterb,",
      /^Bad value for <target-cluster> `clusterb,`: a cluster name is/,
      /^link /,
    ],
    ["link app ClusterA clusterb", /Bad value for <source-cluster> `ClusterA`: a cluster name is/, /^link /],
    ["link app clustera clusterb --web-name web", /--web-name needs --web IMAGE/, /^link /],
    [
      "link app clustera clusterb --consumer worker --web hello-web",
      /--consumer and --web are mutually exclusive: --web starts a new consumer, --consumer links one that runs; pass one\.$/,
      /^link /,
    ],
    [
      "link app clustera clusterb --consumer worker --legacy-links",
      /--consumer cannot be used with --legacy-links: a Docker link is set only when a container is created, and the consumer already runs; drop --legacy-links\.$/,
      /^link /,
    ],
    [
      "link app clustera clusterb,clusterc --consumer worker",
      /--consumer links one running container on one target cluster; name a single target cluster, or use --web to start a consumer on each\.$/,
      /^link /,
    ],
    ["ports", /Missing <container>\./, /^ports <container> \[--cluster NAME\]$/],
    [
      "teardown a b",
      /Unexpected argument `b`\./,
      /^teardown \[<link-id> \| <container>\] \[--target CLUSTER\]$/,
    ],
    ["list --all", /Unknown option `--all` for `list`\. `list` takes no options\./, /^list$/],
    ['link "app', /Could not read the command: a double quote is not closed\./, undefined],
  ])("refuses %j saying what was wrong and the right usage", (text, message, usage) => {
    const result = problem(text);
    expect(result.problem).toMatch(message);
    if (usage) expect(result.usage).toMatch(usage);
    else expect(result.usage).toBeUndefined();
  });

  it("has an example for every command in the table, and each example parses", () => {
    for (const command of commands) {
      const result = parseCommand(command.example);
      expect(result.ok, `${command.name}: ${command.example}`).toBe(true);
      if (result.ok) expect(result.command.name).toBe(command.name);
    }
  });
});

describe("parseCommand on any input", () => {
  const vocabulary = fc.constantFrom(
    "link",
    "ports",
    "teardown",
    "list",
    "clusters",
    "help",
    "/ambassador",
    "--alias",
    "--port",
    "--port=",
    "--web",
    "--web-name",
    "--consumer",
    "--legacy-links",
    "--legacy-links=1",
    "--cluster",
    "--",
    "-",
    "-5",
    "\u2014",
    "\u2014port",
    "clustera",
    "clusterb",
    "app",
    "5000",
    "0",
    "99999999999999999999",
    '"',
    "'",
    "\u201C",
    "<http://x|x>",
    "<#C1|c>",
    "<@U1>",
    "<",
    ">",
    "|",
    "\\",
    "__proto__",
    "constructor",
    "toString",
  );

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        parseCommand(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on sequences of meaningful words", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(vocabulary, fc.string({ maxLength: 8 })), { maxLength: 12 }),
        (tokens) => {
          const result = parseCommand(tokens.join(" "));
          if (!result.ok) expect(result.problem.length).toBeGreaterThan(0);
          parseWords(tokens);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads back any valid link it is given", () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    fc.assert(
      fc.property(
        name,
        name,
        name,
        fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 3 }),
        (container, source, target, ports) => {
          fc.pre(source !== target);
          const text = [
            "link",
            container,
            source,
            target,
            ...ports.flatMap((p) => ["--port", String(p)]),
          ].join(" ");
          const result = parseCommand(text);
          expect(result.ok).toBe(true);
          if (result.ok) {
            expect(result.input).toMatchObject({ container, sourceCluster: source, targetCluster: [target] });
            if (ports.length) expect((result.input as { ports: number[] }).ports).toEqual(ports);
          }
        },
      ),
    );
  });
});

describe("link --consumer", () => {
  it("reads the consumer's name and says in the help which variables it gets", () => {
    expect(parsed("link app clustera clusterb --consumer worker").input).toMatchObject({
      consumer: "worker",
    });
    const help = commands.find((c) => c.name === "link")?.options?.find((o) => o.name === "consumer")?.help;
    expect(help).toMatch(
      /no <ALIAS>_PORT_<p>_TCP variables, since a running container's environment cannot change/,
    );
  });
});
