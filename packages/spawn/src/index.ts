export { cpuSeconds } from './cpu';
export { ManagedProcess, type ManagedProcessOptions } from './managed-process';
export { type NodeProcessOptions, nodeArgs, packageNodeFlags, spawnNode } from './node';
