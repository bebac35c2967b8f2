// The action's inputs as the runner passes them (INPUT_<NAME>, hyphens kept): one zod schema,
// a bad input named.
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../src/action/inputs.js';
import { overallOutcome } from '../../src/action/outputs.js';
import { type RecoveryResult, unstartedResult } from '../../src/core/index.js';

describe('readInputs', () => {
  it('splits workspaces on commas and spaces, reads booleans, and defaults the rest', () => {
    const inputs = readInputs({
      INPUT_WORKSPACE: 'ws-92f6d88b-6a9, ws-aaaaaaaa-bbb',
      'INPUT_DRY-RUN': 'true',
      'INPUT_ISSUE-NUMBER': '42',
    });
    expect(inputs.workspace).toEqual(['ws-92f6d88b-6a9', 'ws-aaaaaaaa-bbb']);
    expect(inputs['dry-run']).toBe(true);
    expect(inputs.force).toBe(false);
    expect(inputs['issue-number']).toBe('42');
    expect(inputs.traceparent).toBeNull();
  });

  it('reads a W3C traceparent, lower-cased', () => {
    const tp = '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01';
    expect(readInputs({ INPUT_TRACEPARENT: tp }).traceparent).toBe(tp.toLowerCase());
  });

  it("[keep] reads from: template and a dry run's plan, empty by default", () => {
    const plan = `sha256:${'AB'.repeat(32)}`;
    expect(readInputs({ INPUT_FROM: ' template ', INPUT_PLAN: plan })).toMatchObject({
      from: 'template',
      plan: plan.toLowerCase(),
    });
    expect(readInputs({})).toMatchObject({ from: null, plan: null });
  });

  it.each([
    [{ INPUT_FROM: 'last_good' }, /input from: must be 'template' or empty/],
    [{ INPUT_PLAN: 'sha256:abc' }, /input plan: must be a dry run's plan/],
    [{ INPUT_WORKSPACE: 'ws-xyz' }, /input workspace/],
    [{ INPUT_FORCE: 'maybe' }, /input force/],
    [{ 'INPUT_ISSUE-NUMBER': '0x2a' }, /input issue-number/],
    [{ INPUT_TRACEPARENT: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }, /input traceparent/],
  ])('names the bad input in %j', (env, message) => {
    expect(() => readInputs(env)).toThrow(message);
  });
});

describe('overallOutcome', () => {
  const r = (outcome: RecoveryResult['outcome']): RecoveryResult => ({
    ...unstartedResult({
      command: 'recover',
      input: 'ws-92f6d88b-6a9',
      options: { actor: 'a', source: 'action' },
      error: new Error('x'),
      at: new Date(),
    }),
    outcome,
  });
  it('is the most serious of several, and none for nothing', () => {
    expect(overallOutcome([r('healthy'), r('recovered')])).toBe('recovered');
    expect(overallOutcome([r('recovered'), r('busy')])).toBe('busy');
    expect(overallOutcome([r('busy'), r('failed')])).toBe('failed');
    expect(overallOutcome([])).toBe('none');
  });
});
