import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Paths that may hold secrets anywhere in a log record; pino replaces their values. */
export const REDACT_PATHS = [
  'token', '*.token', 'password', '*.password', 'secret', '*.secret', 'authorization', '*.authorization',
  'headers["x-auth-token"]', 'headers["x-subject-token"]', '*.headers["x-auth-token"]', '*.headers["x-subject-token"]',
  'spec.token', '*.spec.token', 'application_credential_secret', '*.application_credential_secret',
];

/** Structured JSON logger with secrets redacted. Writes to stderr so stdout stays free for CLI output. */
export function createLogger(opts: { name: string; level: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { name: opts.name, level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { name: opts.name } },
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}
