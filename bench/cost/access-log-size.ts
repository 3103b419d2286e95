/**
 * The size of one API Gateway access log line: the template's format with each `$context`
 * variable replaced by what API Gateway would write for a delivery. The answer's status and
 * length come from the measured response; the rest from the values the price list assumes.
 */

/** The measured answer the line reports. */
export interface AnsweredRequest {
  readonly statusCode: number;
  readonly responseBodyBytes: number;
}

/** Bytes of one access log line for `answer`, `-` standing for any value not known. */
export function accessLogBytes(
  format: string,
  assumed: Readonly<Record<string, string>>,
  answer: AnsweredRequest,
): number {
  const measured: Readonly<Record<string, string>> = {
    status: String(answer.statusCode),
    responseLength: String(answer.responseBodyBytes),
  };
  const line = format.replace(
    /\$context\.([A-Za-z0-9_.]*[A-Za-z0-9_])/g,
    (_match, name: string) => measured[name] ?? assumed[name] ?? '-',
  );
  return Buffer.byteLength(line);
}
