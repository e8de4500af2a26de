import { describe, expect, it } from "vitest";
import { createSharedReads } from "../../../src/engine/read-shared.js";

describe("shared reads", () => {
  it("gives reads asked at once one request, and a read asked after a change a request of its own", async () => {
    const shared = createSharedReads();
    let asked = 0;
    let answer!: (value: string) => void;
    const read = () => {
      asked++;
      return new Promise<string>((resolve) => {
        answer = resolve;
      });
    };
    const first = shared.run("clustera\nlist", read);
    const second = shared.run("clustera\nlist", read);
    await Promise.resolve();
    expect(asked).toBe(1);
    const before = answer;
    shared.renew();
    const after = shared.run("clustera\nlist", read);
    await Promise.resolve();
    expect(asked).toBe(2);
    before("before the change");
    answer("after the change");
    expect(await Promise.all([first, second, after])).toEqual([
      "before the change",
      "before the change",
      "after the change",
    ]);
    const later = shared.run("clustera\nlist", async () => "a new read");
    expect(await later).toBe("a new read");
  });
});
