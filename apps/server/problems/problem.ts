import type { FieldError } from '../../../libs/domain/shared/domain-error';
import { PROBLEM_MAP, type ProblemCode } from './problem-map';

/** RFC 9457 problem details, with `errors` naming each offending field and, where useful, the accepted values. */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors: readonly FieldError[];
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemOf = (code: ProblemCode, detail: string, instance: string, errors: readonly FieldError[] = []): ProblemDetails => ({
  type: `/problems/${code}`,
  ...PROBLEM_MAP[code],
  detail,
  instance,
  errors,
});

/** Thrown by the HTTP layer (validation, parsing) for problems that are not domain rule violations. */
export class ProblemException extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
    /** Extra response headers, e.g. WWW-Authenticate on 401 or Retry-After on 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
}
