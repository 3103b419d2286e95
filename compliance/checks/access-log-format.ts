/** What an API stage's access log format writes, for the rules that judge its fields. */
import { isRecord } from '../report/template.ts';

/** The `$context…` variables of an access log format (JSON, as this stack writes it). */
export function accessLogValues(format: unknown): string[] {
  if (typeof format !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(format);
    return isRecord(parsed) ? Object.values(parsed).map(String) : [];
  } catch {
    return format.match(/\$context\.[A-Za-z.]+/g) ?? [];
  }
}
