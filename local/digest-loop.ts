/**
 * `npm start`'s digest writer: the deployed digest function's own handler
 * (scheduled/audit-digest.ts), run every few seconds against the local stack, as the
 * construct's schedule runs it every period in AWS. The stack runs minute-long periods
 * (`auditDigests.local`), so a digest appears a little over a minute after a delivery; each
 * one that lists records is logged, and `webhooks audit verify --local` checks them.
 */
import { auditDigests } from '../functions/config/audit-digests.ts';

export interface LocalDigests {
  stop(): Promise<void>;
}

export interface LocalDigestsOptions {
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** @default a quarter of the local period */
  readonly everyMs?: number;
}

/** Starts the loop; process.env must already point at the stack (startLocalStack does). */
export async function startLocalDigests(options: LocalDigestsOptions = {}): Promise<LocalDigests> {
  const log = options.log ?? console.log;
  const everyMs = options.everyMs ?? (auditDigests.local.periodSeconds * 1000) / 4;
  // Imported now, not with this module: the handler reads its settings from process.env.
  const { writeDigests } = await import('../scheduled/audit-digest.ts');
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = writeDigests().then(
      (written) => {
        // Empty periods are digested too, but only a digest with records is news.
        for (const digest of written.filter(({ records }) => records > 0)) {
          log(
            `digest: ${digest.periodStart} to ${digest.periodEnd}, ${digest.records} records (${digest.key})`,
          );
        }
      },
      (error: unknown) => log(`digest: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  const timer = setInterval(run, everyMs);
  timer.unref();
  run();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
