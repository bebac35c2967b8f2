// How the CLI writes to a person. Lines are stripped of control characters first (nothing
// from outside may drive the terminal); medic's own styling is carried by private-use marker
// characters that survive that, and become colour only on a colour terminal (a TTY, NO_COLOR
// unset, no --no-color), else vanish. A status line (sweep's progress) is rewritten in place
// on a terminal, and not written at all elsewhere.
import { stripControl } from '../core/index.js';

export type Style = 'ok' | 'failed' | 'warn' | 'dim' | 'bold';

const MARK: Record<Style | 'reset', string> = {
  ok: '\uE000',
  failed: '\uE001',
  warn: '\uE002',
  dim: '\uE003',
  bold: '\uE004',
  reset: '\uE005',
};
const SGR: Record<string, string> = {
  '\uE000': '\x1b[32m',
  '\uE001': '\x1b[31m',
  '\uE002': '\x1b[33m',
  '\uE003': '\x1b[2m',
  '\uE004': '\x1b[1m',
  '\uE005': '\x1b[0m',
};
const MARKERS = /[\uE000-\uE005]/g;

/** Marks `text` with a style; the terminal decides whether that is colour. */
export function paint(style: Style, text: string): string {
  return `${MARK[style]}${text}${MARK.reset}`;
}

/** A line as it reaches a stream: outside control characters gone, styling as colour or nothing. */
export function render(line: string, color: boolean): string {
  const clean = stripControl(line, true);
  return color ? clean.replace(MARKERS, (m) => SGR[m] ?? '') : clean.replace(MARKERS, '');
}

/** Colour when the stream is a terminal and nobody said no (NO_COLOR, https://no-color.org; --no-color). */
export function wantsColor(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined>,
  argv: readonly string[],
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && !argv.includes('--no-color');
}

const LEVELS: Record<number, [string, Style]> = {
  10: ['trace', 'dim'],
  20: ['debug', 'dim'],
  30: ['info', 'ok'],
  40: ['warn', 'warn'],
  50: ['error', 'failed'],
  60: ['fatal', 'failed'],
};

/** A pino destination that writes log records as one readable line each (for a terminal). */
export function humanLog(color: boolean, write: (text: string) => void): { write(line: string): void } {
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        write(line);
        return;
      }
      const { level, msg, time: _time, pid: _pid, hostname: _host, ...rest } = record;
      const [name, style] = LEVELS[Number(level)] ?? ['log', 'dim'];
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(
        `${render(`${paint(style, name.padEnd(5))} ${String(msg ?? '')}${fields ? ` ${paint('dim', fields)}` : ''}`, color)}\n`,
      );
    },
  };
}
