import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("loadConfig", () => {
  it("uses the documented defaults and starts in the terminal without Slack variables", () => {
    const config = loadConfig({});
    expect(config.slack.mode).toBe("terminal");
    expect(config.port).toBe(3000);
    expect(config.ambassadorImage).toBe("ambassador-bot/ambassador:latest");
    expect(config.checkIntervalSeconds).toBe(30);
    expect(config.logLevel).toBe("warn");
    expect(config.admins).toEqual([]);
    expect(loadConfig({ SLACK_SIGNING_SECRET: "s3cret", SLACK_BOT_TOKEN: "xoxb-1-2" }).logLevel).toBe("info");
    expect(loadConfig({ LOG_LEVEL: "debug" }).logLevel).toBe("debug");
  });

  it("picks HTTP with a signing secret and bot token, Socket Mode with an app token too", () => {
    const http = loadConfig({ SLACK_SIGNING_SECRET: "s3cret", SLACK_BOT_TOKEN: "xoxb-1-2" });
    expect(http.slack.mode).toBe("http");
    const socket = loadConfig({
      SLACK_SIGNING_SECRET: "s3cret",
      SLACK_BOT_TOKEN: "xoxb-1-2",
      SLACK_APP_TOKEN: "xapp-1",
    });
    expect(socket.slack.mode).toBe("socket");
  });

  it("reads admins, port, interval and the API URL", () => {
    const config = loadConfig({
      AMBASSADOR_ADMINS: " U012AB3CD, T01:W999 ,",
      PORT: "8080",
      AMBASSADOR_CHECK_INTERVAL: "5",
      SLACK_API_URL: "http://127.0.0.1:9999/api/",
    });
    expect(config.admins).toEqual(["U012AB3CD", "T01:W999"]);
    expect(config.port).toBe(8080);
    expect(config.checkIntervalSeconds).toBe(5);
    expect(config.slack.apiUrl).toBe("http://127.0.0.1:9999/api/");
    expect(config.autoRepair).toBe(false);
  });

  it("turns automatic repair on only when AMBASSADOR_AUTO_REPAIR says so", () => {
    expect(loadConfig({ AMBASSADOR_AUTO_REPAIR: "on" }).autoRepair).toBe(true);
    expect(loadConfig({ AMBASSADOR_AUTO_REPAIR: " TRUE " }).autoRepair).toBe(true);
    expect(loadConfig({ AMBASSADOR_AUTO_REPAIR: "0" }).autoRepair).toBe(false);
    expect(loadConfig({ AMBASSADOR_AUTO_REPAIR: "" }).autoRepair).toBe(false);
  });

  it("uploads link pictures unless AMBASSADOR_PICTURES is off", () => {
    expect(loadConfig({}).pictures).toBe(true);
    expect(loadConfig({ AMBASSADOR_PICTURES: "" }).pictures).toBe(true);
    expect(loadConfig({ AMBASSADOR_PICTURES: "off" }).pictures).toBe(false);
    expect(loadConfig({ AMBASSADOR_PICTURES: " No " }).pictures).toBe(false);
  });

  it("listens on every address unless HOST names one", () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: "" }).host).toBeUndefined();
    expect(loadConfig({ HOST: "127.0.0.1" }).host).toBe("127.0.0.1");
    expect(loadConfig({ HOST: "::" }).host).toBe("::");
    expect(loadConfig({ HOST: " bot.internal " }).host).toBe("bot.internal");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", LOG_LEVEL: "", SLACK_BOT_TOKEN: "" }).port).toBe(3000);
  });

  it.each([
    [{ PORT: "eighty" }, /PORT must be a port number/],
    [{ PORT: "70000" }, /PORT must be 0-65535/],
    [{ AMBASSADOR_ADMINS: "roadrunner" }, /AMBASSADOR_ADMINS must be comma-separated Slack user IDs/],
    [{ SLACK_API_URL: "slack.com/api" }, /SLACK_API_URL must be an http\(s\) URL/],
    [{ AMBASSADOR_CHECK_INTERVAL: "0" }, /AMBASSADOR_CHECK_INTERVAL must be at least 1 second/],
    [{ AMBASSADOR_STORE_WAIT: "-1" }, /AMBASSADOR_STORE_WAIT must be 0 \(do not wait\) or more seconds/],
    [{ AMBASSADOR_STORE_WAIT: "soon" }, /AMBASSADOR_STORE_WAIT must be a number of seconds/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    [{ HOST: "http://0.0.0.0" }, /HOST must be an IP address to listen on/],
    [{ HOST: "127.0.0.1:3000" }, /HOST must be an IP address to listen on/],
    [{ HOST: "bot internal" }, /HOST must be an IP address to listen on/],
    [{ AMBASSADOR_AUTO_REPAIR: "sometimes" }, /AMBASSADOR_AUTO_REPAIR must be on or off/],
    [{ AMBASSADOR_PICTURES: "png" }, /AMBASSADOR_PICTURES must be on or off/],
    [{ AMBASSADOR_KEY: "c2hvcnQ=" }, /AMBASSADOR_KEY must be 32 bytes in base64/],
    [{ SLACK_BOT_TOKEN: "xoxb-1" }, /SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN/],
    [{ SLACK_SIGNING_SECRET: "abc123" }, /SLACK_BOT_TOKEN is required with SLACK_SIGNING_SECRET/],
    [{ SLACK_APP_TOKEN: "xapp-1" }, /SLACK_BOT_TOKEN is required with SLACK_APP_TOKEN/],
    [{ SLACK_BOT_TOKEN: "abc", SLACK_SIGNING_SECRET: "x" }, /SLACK_BOT_TOKEN must be a bot token/],
  ])("stops on %j with a message naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
