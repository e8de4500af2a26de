/** Runs `ambassador clusters …` with the words after `clusters`; resolves to the process exit code. */
export type ClustersCommandRunner = (args: string[]) => Promise<number>;
