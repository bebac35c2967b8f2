// medic notify test [--sink N]: sends a test event to the policy's sinks (or one) now, from
// this process's environment, and says what each answered.
import type { Command } from 'commander';
import { currentPolicy, emit, InvalidConfigError } from '../../core/index.js';
import { type CliSession, CORE_ENV, helpFooter, positiveInt } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerNotify(program: Command, cli: CliSession): void {
  const notify = program
    .command('notify')
    .description("the policy's notification sinks (`notify:`, docs/signal.md)")
    .addHelpText('after', helpFooter(['medic notify test', 'medic notify test --sink 2'], CORE_ENV));
  notify
    .command('test')
    .description('send a test event to every sink (or --sink N) now, and say what each answered')
    .option('--sink <n>', 'only this sink (its place in the policy, from 1)', positiveInt)
    .addHelpText(
      'after',
      helpFooter(
        [
          'medic notify test',
          'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… medic notify test --sink 1',
        ],
        [...CORE_ENV, 'the variables the policy names (url_env, secret_env)'],
      ),
    )
    .action(async (o: { sink?: number }) =>
      cli.withCore(async (deps) => {
        const sinks = (await currentPolicy(deps.db))?.policy.notify ?? [];
        if (sinks.length === 0 || (o.sink !== undefined && o.sink > sinks.length)) {
          throw new InvalidConfigError(
            sinks.length === 0
              ? 'the policy in force has no notify: sinks'
              : `the policy has ${sinks.length} sinks; there is no sink ${o.sink}`,
            { hint: 'add them under notify: (docs/signal.md) and apply the policy' },
          );
        }
        // Parked, then claimed by id: sent from here (and only from here), so its answer is known.
        const payload = { event: 'test', by: cli.ctx.actor, at: new Date().toISOString() };
        const ids = await emit(deps, 'test', payload, null, {
          parked: true,
          ...(o.sink !== undefined ? { sinks: [o.sink] } : {}),
        });
        const { Notifier } = await import('../../notifications/notifier.js');
        const attempts = await new Notifier(deps, cli.ctx.env).pass(ids);
        for (const a of attempts.sort((x, y) => x.sink - y.sink)) {
          cli.io.out(
            `sink ${a.sink} (${a.to}): ${a.ok ? `delivered (${a.status})` : `not delivered: ${a.error}`}`,
          );
        }
        return attempts.length === ids.length && attempts.every((a) => a.ok) ? EXIT.ok : EXIT.failed;
      }),
    );
}
