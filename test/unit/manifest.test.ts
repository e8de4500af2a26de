import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { commands } from "../../src/commands/command-table.js";
import { linkDialogCallback } from "../../src/render/link-dialog-blocks.js";
import { eventsPath, slashCommand } from "../../src/slack/slack-bot.js";

interface Manifest {
  display_information: { name: string; description: string };
  features: {
    app_home: {
      home_tab_enabled: boolean;
      messages_tab_enabled: boolean;
      messages_tab_read_only_enabled: boolean;
    };
    shortcuts: { name: string; type: string; callback_id: string; description: string }[];
    bot_user: { display_name: string };
    slash_commands: {
      command: string;
      url: string;
      description: string;
      usage_hint: string;
      should_escape: boolean;
    }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string; message_menu_options_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8")) as Manifest;

describe("manifest.yml", () => {
  it("declares the /ambassador slash command with a description and usage hint, at the events URL", () => {
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe(slashCommand);
    expect(command?.url).toBe(`https://YOUR-HOST${eventsPath}`);
    expect(command?.description.length).toBeGreaterThan(10);
    expect(command?.description.length).toBeLessThanOrEqual(100);
    expect(command?.usage_hint.length).toBeLessThanOrEqual(100);
    expect(command?.should_escape).toBe(false);
  });

  it("mentions only commands the parser knows in its usage hint", () => {
    const words = (manifest.features.slash_commands[0]?.usage_hint ?? "")
      .split("|")
      .map((part) => part.trim().split(/\s+/)[0]);
    const known = commands.map((command) => command.name);
    for (const word of words) expect(known).toContain(word);
  });

  it("asks for the fewest bot scopes that work and no user scopes", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      "chat:write",
      "chat:write.public",
      "commands",
      "files:write",
    ]);
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it("turns interactivity on for the buttons and the container picker's options, at the same endpoint", () => {
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: `https://YOUR-HOST${eventsPath}`,
      message_menu_options_url: `https://YOUR-HOST${eventsPath}`,
    });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.display_information.name).toBe("Ambassador");
    expect(manifest.features.bot_user.display_name).toMatch(/^[a-z0-9._-]+$/);
  });

  it("shows the Home tab, hears it opened at the same endpoint, and declares the link dialog's shortcut", () => {
    // The Messages tab only for what the bot tells: no one writes to it.
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
    expect(manifest.settings.event_subscriptions).toEqual({
      request_url: `https://YOUR-HOST${eventsPath}`,
      bot_events: ["app_home_opened"],
    });
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({ type: "global", callback_id: linkDialogCallback }),
    ]);
    const [shortcut] = manifest.features.shortcuts;
    expect(shortcut?.name.length).toBeLessThanOrEqual(24);
    expect(shortcut?.description.length).toBeLessThanOrEqual(150);
  });
});
