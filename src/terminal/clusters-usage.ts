/** The usage of `ambassador clusters`, for its own errors and for a run where there is no store yet. */
export const clustersUsage = [
  "usage: ambassador clusters <command>",
  "  add <name> --docker-env <path/docker.env> [--advertise <addr>] [--channel <id>]... [--egress <cidr,...>]",
  "  add <name> --host <tcp://|unix://|ssh://url> [--cert-path <dir>] [--advertise <addr>] [--channel <id>]... [--egress <cidr,...>]",
  "  add <name> --context <docker context> [--advertise <addr>] [--channel <id>]... [--egress <cidr,...>]",
  "  list (the default)",
  "  remove <name> [--force]",
  "  test [name]",
].join("\n");
