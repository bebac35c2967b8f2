// Runs the built CLI as a separate process, for tests of what crosses processes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEMPLATES } from '../helpers/core-deps.js';

export const BIN = path.resolve(import.meta.dirname, '../../lib/medic.js');

export function cliEnv(url: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, DATABASE_URL: url, CONFIGS_DIR: TEMPLATES, LOG_LEVEL: 'error', ...extra };
}

export async function medic(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export function spawnMedic(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('node', [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}
