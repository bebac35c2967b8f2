// [keep] Last good copies on the real engine and Postgres: a workspace seeded from its template,
// then edited by its user (a line added to config.yaml, a skill file added), seen healthy by
// the healers' look (the one `medic watch` and the agents make at each sweep), then emptied and
// marked failed, comes back with the user's line and file: `restore.source` `last_good`.
// Every setting at its default; the look's clock is moved past MEDIC_KEEP_AFTER (10m) rather
// than the test waiting for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepChores, lookAndKeep } from '../../../src/core/commands/keep.js';
import { recover } from '../../../src/core/commands/recover.js';
import type { CoreDeps } from '../../../src/core/model/deps.js';
import { systemClock } from '../../../src/core/model/ports.js';
import type { RecoveryResult } from '../../../src/core/model/result.js';
import { listCopies } from '../../../src/core/store/keep-store.js';
import { packFiles } from '../../../src/docker/tar-write.js';
import { applyTestPolicy, testGrant } from '../../helpers/core-deps.js';
import { type TestWorld, testWorld } from '../../helpers/services.js';

let world: TestWorld;
const cli = { actor: 'itest', source: 'cli' } as const;
const MINUTE = 60_000;

beforeAll(async () => {
  world = await testWorld();
});
afterAll(() => world?.close());

/** The same deps, their clock `ms` ahead (what a look that long after sees). */
const later = (deps: CoreDeps, ms: number): CoreDeps => ({
  ...deps,
  clock: { ...systemClock, now: () => new Date(Date.now() + ms) },
});

/** A workspace seeded from its template and then edited by its user, running and online. */
async function edited() {
  const ws = await world.broken();
  const seeded = await recover(world.deps(), ws.container, cli);
  expect(seeded.restore?.source).toBe('template');
  const config = `${await world.cat(ws.volume, 'config.yaml')}model: my-own-fine-tune # the user's line\n`;
  const files = [
    { path: 'config.yaml', content: Buffer.from(config), mode: 0o644 },
    { path: 'skills/triage.md', content: Buffer.from('# my triage skill\n'), mode: 0o600 },
  ];
  await world.docker
    .getContainer(ws.container)
    .putArchive(await packFiles(files, new Date()), { path: '/configs' });
  return { ws, config };
}

async function breakIt(ws: { id: string; volume: string }) {
  await world.empty(ws.volume);
  await world.db.query("UPDATE workspaces SET status = 'failed' WHERE id = $1::uuid", [ws.id]);
}

describe('last good copies', () => {
  it("restores the user's own last healthy config, not the template (source last_good)", async () => {
    const { ws, config } = await edited();
    // Seen healthy at the healers' next sweep, past MEDIC_KEEP_AFTER.
    const owns = async (cs: string[]) => new Set(cs.filter((c) => c === ws.container));
    const kept = await keepChores(later(world.deps(), 11 * MINUTE), { takenBy: 'medic-watch', owns });
    expect(kept).toEqual({ looked: 1, stored: 1, healed: 0 });
    const [copy] = await listCopies(world.db, ws.id);
    expect(copy?.manifest.map((m) => m.path)).toEqual([
      'config.yaml',
      'skills/README.md',
      'skills/triage.md',
    ]);

    await breakIt(ws);
    const result = await recover(world.deps(), ws.container, cli);
    expect(result.outcome).toBe('recovered');
    expect(result.restore?.source).toBe('last_good');
    expect(await world.cat(ws.volume, 'config.yaml')).toBe(config);
    expect(await world.cat(ws.volume, 'skills/triage.md')).toBe('# my triage skill\n');
    expect(result.steps.find((s) => s.name === 'seed')?.detail).toContain(`from last good copy ${copy?.id}`);
    expect(result.restore?.files.find((f) => f.path === 'skills/triage.md')).toMatchObject({
      action: 'added',
      from: 'last_good',
    });
  });

  it('keeps nothing before MEDIC_KEEP_AFTER, and nothing new when the content is unchanged', async () => {
    const { ws } = await edited();
    const soon = await lookAndKeep(world.deps(), ws.id, 'itest');
    expect(soon.outcome).toBe('unsettled');
    expect(await listCopies(world.db, ws.id)).toEqual([]);
    const first = await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest');
    const again = await lookAndKeep(later(world.deps(), 30 * MINUTE), ws.id, 'itest');
    expect([first.outcome, again.outcome]).toEqual(['stored', 'unchanged']);
    expect(await listCopies(world.db, ws.id)).toHaveLength(1);
  });

  it('looks cheaply first: a stat per file and folder, the volume read only when one moved or a day passed', async () => {
    const { ws, config } = await edited();
    expect((await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest')).outcome).toBe('stored');
    const cheap = await lookAndKeep(later(world.deps(), 30 * MINUTE), ws.id, 'itest');
    expect(cheap).toMatchObject({
      outcome: 'unchanged',
      why: 'its files and folders stat as at its last full read',
    });
    // A skill added in a folder the copy has: the folder's time moved, the volume is read, a copy kept.
    const put = async (files: Parameters<typeof packFiles>[0]) =>
      world.docker
        .getContainer(ws.container)
        .putArchive(await packFiles(files, new Date()), { path: '/configs' });
    // The archive sets the folder's time from its header, to the second: one second on, as
    // any write after the copy it is compared with would be (a write by the agent itself sets
    // it to the nanosecond).
    await new Promise((r) => setTimeout(r, 1100));
    await put([{ path: 'skills/new.md', content: Buffer.from('# new\n'), mode: 0o644 }]);
    const added = await lookAndKeep(later(world.deps(), 45 * MINUTE), ws.id, 'itest');
    expect(added.outcome).toBe('stored');
    expect(added.copy?.manifest.map((m) => m.path)).toContain('skills/new.md');
    // config.yaml rewritten in place: its size and time moved.
    await put([{ path: 'config.yaml', content: Buffer.from(`${config}temperature: 0.2\n`), mode: 0o644 }]);
    expect((await lookAndKeep(later(world.deps(), 60 * MINUTE), ws.id, 'itest')).outcome).toBe('stored');
    expect((await lookAndKeep(later(world.deps(), 75 * MINUTE), ws.id, 'itest')).why).toContain('stat');
    // A day after the last full read, the volume is read whatever the stats say.
    const daily = await lookAndKeep(later(world.deps(), 25 * 60 * MINUTE), ws.id, 'itest');
    expect(daily).toMatchObject({ outcome: 'unchanged', why: '4 files' });
  });

  it('marks a workspace at risk when its volume lost files its last copy had, once, and clears it when they are back', async () => {
    const { ws, config } = await edited();
    await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest');
    // The user's skill goes missing while the row still says online: the platform has not noticed.
    await world.empty(ws.volume);
    const keepConfig = [{ path: 'config.yaml', content: Buffer.from(config), mode: 0o644 }];
    await world.docker
      .getContainer(ws.container)
      .putArchive(await packFiles(keepConfig, new Date()), { path: '/configs' });
    const risky = await lookAndKeep(later(world.deps(), 30 * MINUTE), ws.id, 'itest');
    expect(risky.outcome).toBe('at_risk');
    expect(risky.why).toContain('skills/triage.md');
    const { fleetStatus } = await import('../../../src/engines/fleet-status.js');
    const status = await fleetStatus(world.db, world.deps().config.restartBudget, 86_400_000);
    expect(status.atRisk).toEqual([
      expect.objectContaining({ container: ws.container, missing: ['skills/README.md', 'skills/triage.md'] }),
    ]);
    expect(await listCopies(world.db, ws.id)).toHaveLength(1); // a volume that lost files is not a good copy
    // Seen again still at risk: at risk since the first look (its event was sent then, not again).
    await lookAndKeep(later(world.deps(), 40 * MINUTE), ws.id, 'itest');
    const still = await fleetStatus(world.db, world.deps().config.restartBudget, 86_400_000);
    expect(still.atRisk.map((r) => r.since)).toEqual(status.atRisk.map((r) => r.since));
    const files = [
      { path: 'skills/README.md', content: Buffer.from(await templateReadme()), mode: 0o644 },
      { path: 'skills/triage.md', content: Buffer.from('# my triage skill\n'), mode: 0o600 },
    ];
    await world.docker
      .getContainer(ws.container)
      .putArchive(await packFiles(files, new Date()), { path: '/configs' });
    const back = await lookAndKeep(later(world.deps(), 60 * MINUTE), ws.id, 'itest');
    expect(back.outcome).toBe('unchanged');
    expect((await fleetStatus(world.db, world.deps().config.restartBudget, 86_400_000)).atRisk).toEqual([]);
  });

  it('with restore.heal_at_risk, the healers recover one at risk whose config.yaml went (fill-in only), not one that lost a skill', async () => {
    const gone = await edited();
    const skill = await edited();
    const ours = new Set([gone.ws.container, skill.ws.container]);
    const owns = async (cs: string[]) => new Set(cs.filter((c) => ours.has(c)));
    const settled = await keepChores(later(world.deps(), 11 * MINUTE), { takenBy: 'medic-watch', owns });
    expect(settled.stored).toBe(2);
    // One loses config.yaml, the other a skill; both rows still say online.
    const readme = { path: 'skills/README.md', content: Buffer.from(await templateReadme()), mode: 0o644 };
    const triage = { path: 'skills/triage.md', content: Buffer.from('# my triage skill\n'), mode: 0o600 };
    const config = (text: string) => ({ path: 'config.yaml', content: Buffer.from(text), mode: 0o644 });
    for (const [ws, files] of [
      [gone.ws, [readme, triage]],
      [skill.ws, [config(skill.config), readme]],
    ] as const) {
      await world.empty(ws.volume);
      await world.docker
        .getContainer(ws.container)
        .putArchive(await packFiles([...files], new Date()), { path: '/configs' });
    }
    await applyTestPolicy(world.db, 'repos: []\nrestore: {heal_at_risk: true}\n');
    try {
      const healed: RecoveryResult[] = [];
      const pass = await keepChores(later(world.deps(), 30 * MINUTE), {
        takenBy: 'medic-watch',
        owns,
        onHealed: (r) => void healed.push(r),
      });
      expect(pass).toMatchObject({ looked: 2, stored: 0, healed: 1 });
      expect(healed.map((r) => [r.workspace?.container, r.outcome, r.source])).toEqual([
        [gone.ws.container, 'recovered', 'auto'],
      ]);
      expect(
        healed[0]?.restore?.files
          .filter((f) => f.action !== 'kept')
          .map((f) => `${f.action} ${f.path} ${f.from}`),
      ).toEqual(['added .provisioned template', 'added config.yaml last_good']);
      expect(await world.cat(gone.ws.volume, 'config.yaml')).toBe(gone.config);
      expect(await world.cat(gone.ws.volume, 'skills/triage.md')).toBe('# my triage skill\n');
      expect(await world.status(gone.ws.id)).toBe('online');
      // The other is still at risk, flagged for a person: nothing broken to restart it for.
      const { fleetStatus } = await import('../../../src/engines/fleet-status.js');
      const status = await fleetStatus(world.db, world.deps().config.restartBudget, 86_400_000);
      expect(status.atRisk.map((r) => r.container)).toContain(skill.ws.container);
      expect(status.atRisk.map((r) => r.container)).not.toContain(gone.ws.container);
    } finally {
      await applyTestPolicy(world.db);
    }
  });

  it('stores a content once, whichever copies and workspaces hold it', async () => {
    const a = await edited();
    const b = await edited();
    const before = await blobCount();
    for (const ws of [a.ws, b.ws]) await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest');
    // Both hold the template's skills/README.md and the same triage skill; their config.yaml
    // differ only if their templates do (they do not): one new blob each for at most 3 contents.
    expect((await blobCount()) - before).toBeLessThanOrEqual(3);
  });

  it('uses the template when the policy prefers it, or when the copy is older than max_age', async () => {
    const { ws } = await edited();
    await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest');
    await breakIt(ws);
    // Eight days on, the copy is past the default max_age (7d).
    const old = await recover(later(world.deps(), 8 * 24 * 60 * MINUTE), ws.container, cli);
    expect(old.restore?.source).toBe('template');

    const { ws: other } = await edited();
    await lookAndKeep(later(world.deps(), 11 * MINUTE), other.id, 'itest');
    await breakIt(other);
    await applyTestPolicy(world.db, 'repos: []\nrestore: {prefer: template}\n');
    try {
      const result = await recover(world.deps(), other.container, cli);
      expect(result.restore?.source).toBe('template');
      expect(await world.ls(other.volume)).not.toContain('triage.md');
    } finally {
      await applyTestPolicy(world.db);
    }
  });

  it("per rule: a repository's own restore: holds for its runs, the policy's for the rest", async () => {
    const viaRule = await edited();
    const viaCli = await edited();
    for (const { ws } of [viaRule, viaCli]) {
      await lookAndKeep(later(world.deps(), 11 * MINUTE), ws.id, 'itest');
      await breakIt(ws);
    }
    await applyTestPolicy(
      world.db,
      'repos:\n  - repo: acme/platform\n    workspaces: all\n    restore: {prefer: template}\n',
    );
    try {
      const grant = testGrant('acme/platform', 'write');
      const fromRule = await recover(world.deps(), viaRule.ws.container, {
        actor: 'alice',
        source: 'app',
        grant,
      });
      expect(fromRule.outcome).toBe('recovered');
      expect(fromRule.restore?.source).toBe('template');
      const fromCli = await recover(world.deps(), viaCli.ws.container, cli);
      expect(fromCli.restore?.source).toBe('last_good');
    } finally {
      await applyTestPolicy(world.db);
    }
  });
});

async function blobCount(): Promise<number> {
  const { rows } = await world.db.query('SELECT count(*)::int AS n FROM medic.keep_blobs');
  return (rows[0] as { n: number }).n;
}

async function templateReadme(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  return readFile(
    path.resolve(import.meta.dirname, '../../../templates/claude-code-default/skills/README.md'),
    'utf8',
  );
}
