// The one bounded wait every drain uses (the app's job worker, the watcher's and the agents'
// heals, the API's runs): `work` waited for at most `withinMs`, no timer left behind.

/** Whether `work` settled within `withinMs` (unbounded when undefined; a rejection counts as settled). */
export async function settledWithin(work: Promise<unknown>, withinMs: number | undefined): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  if (withinMs === undefined) return settled;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), withinMs);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
