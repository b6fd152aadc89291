import { DomainError } from './domain-error';

/** Product and environment names (DESIGN §3): they become part of stream ids, so the charset is strict. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
export const NAME_RULE = 'starts with a letter or digit, then letters, digits, . _ : / -; at most 128 characters';

export class InvalidName extends DomainError {
  readonly code = 'invalid-name';
  constructor(field: string, value: string) {
    super(`${field} "${value}" is not a valid name: ${NAME_RULE}`, [{ field, message: NAME_RULE }]);
  }
}

export const assertValidName = (field: string, value: string): string => {
  if (!NAME_PATTERN.test(value)) throw new InvalidName(field, value);
  return value;
};
