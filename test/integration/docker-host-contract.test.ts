import { DockerodeHost } from "../../src/docker/dockerode-host.js";
import { lab, labDocker } from "../lab.js";
import { dockerHostContract } from "../support/docker-host-contract.js";

dockerHostContract("DockerodeHost on the lab's clustera", async () => {
  const clustera = lab().clustera;
  const host = new DockerodeHost(await labDocker(clustera), {
    name: "clustera",
    advertise: clustera.ip,
    url: `tcp://${clustera.ip}:2376`,
    callMs: 20_000,
    pullMs: 60_000,
  });
  return { host, cleanup: async () => undefined };
});
