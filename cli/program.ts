/** The `webhooks` program: commander wiring, with output and exit codes routed through {@link Io}. */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { addAuditEraseCommand } from './commands/audit/erase.ts';
import { addAuditExportCommand } from './commands/audit/export.ts';
import { addAuditListCommand } from './commands/audit/list.ts';
import { addAuditPublicKeyCommand } from './commands/audit/public-key.ts';
import { addAuditReceiptsCommand } from './commands/audit/receipts.ts';
import { addAuditRotateSubjectSecretCommand } from './commands/audit/rotate-subject-secret.ts';
import { addAuditShowCommand } from './commands/audit/show.ts';
import { addAuditStatsCommand } from './commands/audit/stats.ts';
import { addAuditVerifyCommand } from './commands/audit/verify.ts';
import { addComplianceAuditCommand } from './commands/compliance/audit.ts';
import { addComplianceHistoryCommand } from './commands/compliance/history.ts';
import { addComplianceReportCommand } from './commands/compliance/report.ts';
import { addInitCommand } from './commands/init.ts';
import { addProvidersAddCommand } from './commands/providers/add.ts';
import { addProvidersBindCommand } from './commands/providers/bind.ts';
import { addProvidersCatalogCommand } from './commands/providers/catalog.ts';
import { addProvidersEnableDisableCommands } from './commands/providers/enable-disable.ts';
import { addProvidersListCommand } from './commands/providers/list.ts';
import { addProvidersRefreshSourcesCommand } from './commands/providers/refresh-sources.ts';
import { addProvidersRemoveCommand } from './commands/providers/remove.ts';
import { addProvidersRotateCommand } from './commands/providers/rotate.ts';
import { addProvidersShowCommand } from './commands/providers/show.ts';
import { addProvidersUpdateCommand } from './commands/providers/update.ts';
import { addReplayCommand } from './commands/replay.ts';
import { addSchemesCommand } from './commands/schemes.ts';
import { addSendCommand } from './commands/send.ts';
import { addVerifyCommand } from './commands/verify.ts';
import { describeError } from './errors.ts';
import { type ExitCode, exitCodes, type Io } from './io.ts';

/** Adds a command to `parent`, given the program's output and the function that ends it. */
type AddCommand = (parent: Command, io: Io, finish: (code: ExitCode) => void) => void;

/** A command group (`providers`, `audit`, `compliance`): a description, an example, its commands in help order. */
interface CommandGroup {
  readonly name: string;
  readonly description: string;
  readonly example: string;
  readonly commands: readonly AddCommand[];
}

const providersGroup: CommandGroup = {
  name: 'providers',
  description: "manage a deployment's providers (--local or --stack NAME)",
  example: 'webhooks providers list --local',
  commands: [
    addProvidersAddCommand,
    addProvidersListCommand,
    addProvidersShowCommand,
    addProvidersRotateCommand,
    addProvidersUpdateCommand,
    addProvidersEnableDisableCommands,
    addProvidersBindCommand,
    addProvidersRefreshSourcesCommand,
    addProvidersRemoveCommand,
    addProvidersCatalogCommand,
  ],
};

const auditGroup: CommandGroup = {
  name: 'audit',
  description: "read a deployment's audit trail (--local or --stack NAME)",
  example: 'webhooks audit list --since 7d --local',
  commands: [
    addAuditListCommand,
    addAuditShowCommand,
    addAuditStatsCommand,
    addAuditExportCommand,
    addAuditEraseCommand,
    addAuditReceiptsCommand,
    addAuditRotateSubjectSecretCommand,
    addAuditVerifyCommand,
    addAuditPublicKeyCommand,
  ],
};

const complianceGroup: CommandGroup = {
  name: 'compliance',
  description: 'show how a deployment meets PCI DSS, HIPAA, GDPR and CCPA controls',
  example: 'webhooks compliance report --profile pci-dss --out report.md',
  commands: [addComplianceReportCommand, addComplianceAuditCommand, addComplianceHistoryCommand],
};

/** The program's commands, in the order its help lists them. */
const commands: readonly (AddCommand | CommandGroup)[] = [
  addSchemesCommand,
  addVerifyCommand,
  providersGroup,
  auditGroup,
  addSendCommand,
  addReplayCommand,
  complianceGroup,
  addInitCommand,
];

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
  for (const command of commands) {
    if (typeof command === 'function') {
      command(program, io, finish);
      continue;
    }
    const group = program
      .command(command.name)
      .description(command.description)
      .addHelpText('after', `\nExample:\n  $ ${command.example}`);
    for (const add of command.commands) add(group, io, finish);
  }
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
