// Resolves when the engine sends `container` its stop signal (its `kill` event, after `since`,
// in seconds): the run's stop has begun, so a fault or an interrupt sent now lands during the
// stop. (A run's own steps could be seen before it renewed its lease for the stop.)
import type Docker from 'dockerode';

export async function stopBegun(docker: Docker, container: string, since: number): Promise<void> {
  const events = (await docker.getEvents({
    since,
    filters: { container: [container], event: ['kill'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${container} was not sent its stop signal`)), 30_000);
      events.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    events.destroy();
  }
}
