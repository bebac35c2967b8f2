// medic doctor: is everything medic needs there? One line per check: the settings, the
// database (reachable, schema up to date), the Docker engine (reachable, /info within its
// bound, API version), the templates, the operator's policy. Exit 0 when all hold, 1 naming
// what does not. It opens nothing the way a recovery does (that fails at the first problem):
// each check stands alone, and it changes nothing (no migration).
import type { Command } from 'commander';
import { redactSecrets, secretsOf } from '../../core/index.js';
import { type CliSession, helpFooter, RUN_ENV } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerDoctor(program: Command, cli: CliSession): void {
  program
    .command('doctor')
    .description(
      'check the settings, the database, the Docker engine, the templates, the policy and the scheduled chores; changes nothing',
    )
    .addHelpText(
      'after',
      helpFooter(['medic doctor', 'DATABASE_URL=postgres://medic@db/platform medic doctor'], RUN_ENV),
    )
    .action(async () => {
      const { doctor } = await import('../doctor-checks.js');
      const checks = await doctor(cli.ctx);
      for (const c of checks) {
        const mark = c.ok === true ? '✓' : c.ok === 'warn' ? '!' : '✗';
        // A failure's detail is an error's message, which may carry outside text: redacted.
        const detail = c.ok === false ? redactSecrets(c.detail, secretsOf(cli.ctx.env)) : c.detail;
        cli.io.out(`${mark} ${c.name.padEnd(10)} ${detail}`);
      }
      const failed = checks.filter((c) => c.ok === false).map((c) => c.name);
      if (failed.length > 0) cli.io.err(`medic: doctor: ${failed.join(', ')} not ready`);
      cli.code = failed.length > 0 ? EXIT.failed : EXIT.ok;
    });
}
