// medic completion bash|zsh: a shell completion script, generated from the program itself
// (its subcommands and each one's options), so it cannot drift from what `--help` says.
import { type Command, InvalidArgumentError } from 'commander';
import { type CliSession, helpFooter } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function registerCompletion(program: Command, cli: CliSession): void {
  program
    .command('completion')
    .description(
      'print a completion script: eval "$(medic completion bash)", or source it from your shell rc',
    )
    .addHelpText(
      'after',
      helpFooter(
        [
          'eval "$(medic completion bash)"',
          'medic completion zsh > ~/.zfunc/_medic   # a directory on your fpath',
        ],
        [],
      ),
    )
    .argument('<shell>', 'bash or zsh', (v: string) => {
      if (v !== 'bash' && v !== 'zsh') throw new InvalidArgumentError('must be bash or zsh');
      return v;
    })
    .action((shell: 'bash' | 'zsh') => {
      const commands = program.commands.map((c) => ({
        name: c.name(),
        options: c.options.map((o) => o.long ?? ''),
      }));
      cli.io.out(shell === 'bash' ? bashScript(commands) : zshScript(commands));
      cli.code = EXIT.ok;
    });
}

type Spec = ReadonlyArray<{ readonly name: string; readonly options: readonly string[] }>;

export function bashScript(commands: Spec): string {
  const cases = commands.map((c) => `    ${c.name}) opts="${c.options.join(' ')} --help" ;;`).join('\n');
  return `# bash completion for medic
_medic() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) opts="--help" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _medic medic`;
}

export function zshScript(commands: Spec): string {
  const cases = commands
    .map((c) => `    ${c.name}) _arguments ${c.options.map((o) => `'${o}'`).join(' ')} '--help' ;;`)
    .join('\n');
  return `#compdef medic
# zsh completion for medic
_medic() {
  if (( CURRENT == 2 )); then
    compadd -- ${commands.map((c) => c.name).join(' ')} --help --version
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _medic medic`;
}
