/** A setting read from the environment holds a value the code cannot use. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
  readonly code = 'invalid_setting';
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
    options?: ErrorOptions,
  ) {
    super(`environment variable ${variable} must be ${expected}, got '${value}'`, options);
  }
}
