// The long-running commands (watch, agent) run until the operator or the supervisor stops
// them: SIGTERM or SIGINT, whichever comes first, named so they can say what they finish.
export function untilStopSignal(): Promise<'SIGTERM' | 'SIGINT'> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
