/** The `webhooks` program: commander wiring, with output and exit codes routed through {@link Io}. */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { addAuditCommand } from './commands/audit.ts';
import { addComplianceCommand } from './commands/compliance.ts';
import { addProvidersCommand } from './commands/providers.ts';
import { addReplayCommand } from './commands/replay.ts';
import { addSchemesCommand } from './commands/schemes.ts';
import { addSendCommand } from './commands/send.ts';
import { addVerifyCommand, describeError } from './commands/verify.ts';
import { type ExitCode, exitCodes, type Io } from './io.ts';

export function createProgram(io: Io, finish: (code: ExitCode) => void): Command {
  // Set before adding commands: subcommands inherit exit and output settings when created.
  const program = new Command('webhooks')
    .description(
      'Operate webhook-ingestion: check deliveries offline, register providers, read the audit trail.',
    )
    .version(packageJson.version)
    .addHelpText(
      'after',
      '\nExamples:\n  $ webhooks schemes\n  $ webhooks providers list --local\n  $ webhooks audit stats --since 7d --stack webhook-ingestion',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addSchemesCommand(program, io, finish);
  addVerifyCommand(program, io, finish);
  addProvidersCommand(program, io, finish);
  addAuditCommand(program, io, finish);
  addSendCommand(program, io, finish);
  addReplayCommand(program, io, finish);
  addComplianceCommand(program, io, finish);
  return program;
}

/** Runs the CLI on arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = exitCodes.ok;
  const program = createProgram(io, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // Commander has already printed its message; help and --version end with exit code 0.
    if (error instanceof CommanderError)
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    // Not a verdict: 2 so that a crash is never mistaken for "rejected".
    io.stderr(`error: ${describeError(error)}\n`);
    return exitCodes.usage;
  }
  return code;
}
