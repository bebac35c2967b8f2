// The platform's naming rules: targets, container and volume names, mentions in text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  containerName,
  isContainerName,
  isUuid,
  mentionedWorkspaces,
  parseTarget,
  stripControl,
  volumeName,
} from '../../../src/core/model/names.js';

describe('names', () => {
  it('maps a uuid to ws-<first 12 chars> and its -configs volume', () => {
    const id = '92f6d88b-6a96-4e6a-875b-3cf866fa020a';
    expect(containerName(id)).toBe('ws-92f6d88b-6a9');
    expect(volumeName(id)).toBe('ws-92f6d88b-6a9-configs');
  });

  it('parses both forms of a target and round-trips any uuid', () => {
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        expect(parseTarget(id)).toMatchObject({ idPrefix: id, exact: true });
        expect(parseTarget(containerName(id))).toMatchObject({ idPrefix: id.slice(0, 12), exact: false });
      }),
    );
  });

  it('rejects anything else with INVALID_TARGET', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const t = s.trim().toLowerCase();
        fc.pre(!/^ws-[0-9a-f]{8}-[0-9a-f]{3}$/.test(t) && !/^[0-9a-f-]{36}$/.test(t));
        expect(() => parseTarget(s)).toThrow(expect.objectContaining({ code: 'INVALID_TARGET' }));
      }),
    );
  });
});

describe('mentions and uuids', () => {
  it('finds each ws-<id12> once, in order, capped', () => {
    expect(
      mentionedWorkspaces(`ws-92f6d88b-6a9 down; also WS-AAAAAAAA-BBB and ws-92f6d88b-6a9 and ws-zzzz`, 5),
    ).toEqual(['ws-92f6d88b-6a9', 'ws-aaaaaaaa-bbb']);
    expect(mentionedWorkspaces(`ws-92f6d88b-6a9 ws-aaaaaaaa-bbb`, 1)).toEqual(['ws-92f6d88b-6a9']);
  });

  it("knows a workspace's container name as the engine reports it, exactly", () => {
    expect(isContainerName('ws-92f6d88b-6a9')).toBe(true);
    for (const name of ['ws-92F6D88B-6A9', 'ws-92f6d88b-6a9-x', '/ws-92f6d88b-6a9', 'ws-92f6d88b6a9', 'db'])
      expect(isContainerName(name)).toBe(false);
  });

  it('tells a uuid from anything else', () => {
    expect(isUuid('92F6D88B-6A96-4E6A-875B-3CF866FA020A')).toBe(true);
    expect(isUuid('92f6d88b-6a96-4e6a-875b-3cf866fa020')).toBe(false);
    expect(isUuid('ws-92f6d88b-6a9')).toBe(false);
  });

  it('strips control characters and bidi overrides from text that will be shown', () => {
    expect(stripControl('a\u001b[31mb\u0007c\u202ed')).toBe('a [31mb cd');
    expect(stripControl('line 1\nline\t2\r\u0000', true)).toBe('line 1\nline\t2');
  });
});
