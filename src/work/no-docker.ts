// The container runtime of an app with MEDIC_EXECUTOR=agents: it holds no engine, and any
// attempt to use one is a bug that names itself instead of reaching a socket.
import { type ContainerRuntime, InternalError } from '../core/index.js';

const refuse = async (): Promise<never> => {
  throw new InternalError('this app runs with MEDIC_EXECUTOR=agents and makes no Docker call', {
    hint: "its engines' agents do the work; this is a bug in medic",
  });
};

export const noDocker: ContainerRuntime = {
  ping: refuse,
  inspect: refuse,
  volumeExists: refuse,
  statConfig: refuse,
  listConfigs: refuse,
  exportConfigs: refuse,
  writeConfigs: refuse,
  restoreConfigs: refuse,
  stop: refuse,
  start: refuse,
};
