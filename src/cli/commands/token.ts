// medic token create <client> | list | revoke <prefix|client>: the HTTP API's bearer tokens.
// A token is printed once, on create; medic keeps only its hash and its prefix.
import type { Command } from 'commander';
import { checkClientName, createToken, listTokens, revokeTokens } from '../../api/tokens.js';
import { currentPolicy } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, jsonOption } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerToken(program: Command, cli: CliSession): void {
  const token = program
    .command('token')
    .description("manage the HTTP API's bearer tokens (docs/api.md)")
    .addHelpText(
      'after',
      helpFooter(
        ['medic token create provisioner', 'medic token list', 'medic token revoke medic_1a2b3c4d'],
        CORE_ENV,
      ),
    );
  registerTokenCreate(token, cli);
  registerTokenList(token, cli);
  registerTokenRevoke(token, cli);
}

function registerTokenCreate(token: Command, cli: CliSession): void {
  token
    .command('create')
    .description("make a token for a client of the policy's `clients:`; printed once, only its hash is kept")
    .argument('<client>', 'the client name, as the policy gives it')
    .action(async (client: string) =>
      cli.withCore(async (deps) => {
        const name = checkClientName(client);
        const stored = await currentPolicy(deps.db);
        const made = await createToken(deps.db, name, cli.ctx.actor);
        cli.io.out(made.token);
        cli.io.err(
          `medic: token ${made.prefix} made for ${name}; it is shown this once (store it as a secret)`,
        );
        if (!stored?.policy.clients.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
          cli.io.err(
            `medic: warning: ${name} is not under clients: in the applied policy; its calls are refused CLIENT_NOT_GRANTED until it is`,
          );
        }
        return EXIT.ok;
      }),
    );
}

function registerTokenList(token: Command, cli: CliSession): void {
  token
    .command('list')
    .description('list the tokens: prefix, client, who made it and when, last use, revoked')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) =>
      cli.withCore(async (deps) => {
        const rows = await listTokens(deps.db);
        if (o.json) {
          for (const r of rows) cli.io.out(JSON.stringify(r));
          return EXIT.ok;
        }
        if (rows.length === 0) cli.io.err('medic: no tokens (medic token create <client> makes one)');
        for (const r of rows) {
          const used = r.lastUsedAt ? `last used ${r.lastUsedAt.toISOString()}` : 'never used';
          const state = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : 'active';
          cli.io.out(
            `${r.prefix}  ${r.client}  made by ${r.createdBy} ${r.createdAt.toISOString()}  ${used}  ${state}`,
          );
        }
        return EXIT.ok;
      }),
    );
}

function registerTokenRevoke(token: Command, cli: CliSession): void {
  token
    .command('revoke')
    .description(
      "revoke a token by its prefix (medic_1a2b3c4d), or every token of a client by the client's name",
    )
    .argument('<which>', 'a prefix or a client name')
    .action(async (which: string) =>
      cli.withCore(async (deps) => {
        const revoked = await revokeTokens(deps.db, which);
        if (revoked.length === 0) {
          cli.io.err(`medic: no active token matches ${which} (medic token list shows them)`);
          return EXIT.usage;
        }
        cli.io.out(`revoked ${revoked.join(', ')}`);
        return EXIT.ok;
      }),
    );
}
