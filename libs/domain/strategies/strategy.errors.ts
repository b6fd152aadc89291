import { DomainError, type FieldError } from '../shared/domain-error';

/** A deploy request's `config.strategy` names no strategy or impossible parameters: every offending field at once. */
export class InvalidStrategy extends DomainError {
  readonly code = 'invalid-strategy';
  constructor(errors: readonly FieldError[]) {
    super(`The deployment strategy is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
  }
}
