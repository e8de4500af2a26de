import type Docker from "dockerode";
import { benchLabel } from "./bench-docker.js";
import type { BenchLab } from "./bench-lab.js";

/**
 * The least time any link made of the seed's three containers can take here: the script's source ambassador on A
 * and its target ambassador and web on B, created and started all at once over kept-alive API connections, with no
 * network, certificate, readiness wait or `docker port`. The web cannot name a target ambassador that does not run
 * yet, so it starts without the Docker link.
 */
export async function startThreeAtOnce(lab: BenchLab, app: string, runId: string): Promise<void> {
  const labels = { [benchLabel]: runId };
  const run = async (docker: Docker, spec: Docker.ContainerCreateOptions) => {
    const container = await docker.createContainer({ ...spec, Labels: labels });
    await container.start();
  };
  await Promise.all([
    run(lab.a.docker, {
      name: `${app}-three-ambassador`,
      Image: "svendowideit/ambassador",
      ExposedPorts: { "5000/tcp": {} },
      HostConfig: { Links: [`${app}:helloapp`], PortBindings: { "5000/tcp": [{ HostPort: "" }] } },
    }),
    run(lab.b.docker, {
      name: `${app}-three-ambassador`,
      Image: "svendowideit/ambassador",
      Env: [`HELLOAPP_PORT_5000_TCP=tcp://${lab.a.ip}:5000`],
      ExposedPorts: { "5000/tcp": {} },
    }),
    run(lab.b.docker, {
      name: `${app}-three-web`,
      Image: "hello-web",
      HostConfig: { PublishAllPorts: true },
    }),
  ]);
}

/** Removes the three containers `startThreeAtOnce` made, all at once. */
export async function removeThreeAtOnce(lab: BenchLab, app: string): Promise<void> {
  await Promise.all(
    [
      [lab.a.docker, `${app}-three-ambassador`],
      [lab.b.docker, `${app}-three-ambassador`],
      [lab.b.docker, `${app}-three-web`],
    ].map(([docker, name]) => (docker as Docker).getContainer(name as string).remove({ force: true })),
  );
}
