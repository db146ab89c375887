/** CLI exit codes. Stable: scripts may depend on them. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  AUTH_REFUSED: 3,
  UNREACHABLE: 4,
} as const;
