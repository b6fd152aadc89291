/** Exit codes CI scripts can branch on. */
export const EXIT_REJECTED = 2;
export const EXIT_UNREACHABLE = 3;

/** Ends the CLI with `code`, printing `message` to stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
