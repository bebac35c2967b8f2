// When what the helper saw still holds once the workspace stopped (read-ahead.ts `confirms`).
import { describe, expect, it } from 'vitest';
import { confirms, type Sighting } from '../../src/docker/read-ahead.js';

const dir = (mtime: string, size = 4096) => ({ mode: 0x80000000 | 0o755, mtime, size });
const seen = (o: Partial<Sighting> = {}): Sighting => ({
  before: dir('2026-11-30T12:00:00.123456789Z'),
  entries: 0,
  created: '2026-11-30T12:00:05.000000000Z',
  driver: 'local',
  ...o,
});

describe('confirms', () => {
  it('holds an empty local volume whose directory did not change since the read began', () => {
    expect(confirms(seen(), dir('2026-11-30T12:00:00.123456789Z'))).toBe(true);
  });

  it('refuses when an entry was added, removed or renamed meanwhile (the mtime moved, even by a nanosecond)', () => {
    expect(confirms(seen(), dir('2026-11-30T12:00:00.123456790Z'))).toBe(false);
    expect(confirms(seen(), dir('2026-11-30T12:00:00.123456789Z', 8192))).toBe(false);
  });

  it('refuses a volume that was not empty: a file rewritten in place does not move its directory', () => {
    expect(confirms(seen({ entries: 1 }), dir('2026-11-30T12:00:00.123456789Z'))).toBe(false);
  });

  it('refuses a directory changed within 50 ms before the helper existed (a coarse clock tick could hide a change)', () => {
    const recent = seen({ before: dir('2026-11-30T12:00:04.970000000Z') });
    expect(confirms(recent, dir('2026-11-30T12:00:04.970000000Z'))).toBe(false);
    const older = seen({ before: dir('2026-11-30T12:00:04.940000000Z') });
    expect(confirms(older, dir('2026-11-30T12:00:04.940000000Z'))).toBe(true);
  });

  it('refuses another driver (its timestamps may come from another clock) and times it cannot read', () => {
    expect(confirms(seen({ driver: 'nfs' }), dir('2026-11-30T12:00:00.123456789Z'))).toBe(false);
    expect(confirms(seen({ driver: null }), dir('2026-11-30T12:00:00.123456789Z'))).toBe(false);
    expect(confirms(seen({ created: 'soon' }), dir('2026-11-30T12:00:00.123456789Z'))).toBe(false);
  });
});
