// medic migrate: bring medic's own schema up to date.
import type { Command } from 'commander';
import { migrate } from '../../db/migrations.js';
import { type CliSession, CORE_ENV, helpFooter } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerMigrate(program: Command, cli: CliSession): void {
  program
    .command('migrate')
    .description("create or update medic's tables (schema medic); a workspaces table only where none exists")
    .addHelpText('after', helpFooter(['DATABASE_URL=postgres://medic@db/platform medic migrate'], CORE_ENV))
    .action(async () =>
      cli.withCore(async (deps) => {
        const report = await migrate(deps.db);
        cli.io.out(`schema medic at version ${report.to}`);
        return EXIT.ok;
      }),
    );
}
