/**
 * What a handler writes to its logs, captured as Lambda's runtime captures it: every line on
 * stdout or stderr (Powertools Logger and Metrics write there through their own `Console`, and
 * `console.*` ends there too). The lines are kept, not shown.
 */

/** One line written, and what CloudWatch would make of it. */
export interface LogLine {
  /** `emf` for an embedded-metric-format line, `application` for anything else. */
  readonly kind: 'emf' | 'application';
  /** The line's `level` field, upper case, when it is a JSON object that has one. */
  readonly level?: string;
  /** UTF-8 bytes, without the newline. */
  readonly bytes: number;
}

/** Runs `run` with stdout and stderr captured; answers its result and the lines written. */
export async function captureLogLines<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lines: LogLine[] }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: unknown) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return true;
    }) as typeof stream.write;
  }
  try {
    const result = await run();
    return { result, lines: readLines(chunks.join('')) };
  } finally {
    streams.forEach((stream, index) => {
      stream.write = originals[index] as typeof stream.write;
    });
  }
}

/** Splits captured output into lines and says what each one is. */
export function readLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const bytes = Buffer.byteLength(line);
      const parsed = parseObject(line);
      if (parsed !== undefined && '_aws' in parsed) return { kind: 'emf', bytes };
      const level = typeof parsed?.level === 'string' ? parsed.level.toUpperCase() : undefined;
      return level === undefined
        ? { kind: 'application', bytes }
        : { kind: 'application', level, bytes };
    });
}

function parseObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
