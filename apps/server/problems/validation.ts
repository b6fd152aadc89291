import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import type { FieldError } from '../../../libs/domain/shared/domain-error';
import { ProblemException } from './problem';

/** Flattens class-validator's tree into one entry per offending field, with dotted paths for nested ones. */
export const fieldErrors = (errors: readonly ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], `${field}.`)];
  });

/**
 * Shape checks for every DTO: unknown properties are rejected by name (a typo such as `enviroment_name`
 * must never be dropped silently), and a body, when sent, must be a JSON object.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => {
        const fields = fieldErrors(errors);
        return new ProblemException('validation-failed', fields.map((f) => f.message).join('; '), fields);
      },
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // No body at all is an empty object: commands whose fields are all optional need none; others name what is missing.
    if (metadata.type === 'body' && value === undefined) return super.transform({}, metadata);
    if (metadata.type === 'body' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new ProblemException('validation-failed', 'The request body must be a JSON object.', [{ field: 'body', message: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}
