import { IsISO8601, ValidateBy, type ValidationOptions } from 'class-validator';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { ProblemException } from '../problems/problem';

/** Keeps only the defined properties: optional DTO fields map to absent command fields, never to undefined. */
export const definedOnly = <T extends object>(value: { [K in keyof T]: T[K] | undefined }): T => {
  // A loop over the keys (entries, filter and fromEntries allocated an array per field): it runs for every CI report.
  const source = value as Record<string, unknown>;
  const defined: Record<string, unknown> = {};
  for (const key of Object.keys(source)) if (source[key] !== undefined) defined[key] = source[key];
  return defined as T;
};

/** An object of at most `bytes` bytes once serialized (`extra_metadata` ≤ 64 KiB). */
export const MaxJsonBytes = (bytes: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'maxJsonBytes',
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '') <= bytes,
        defaultMessage: (args) => `${args?.property ?? 'value'} must serialize to at most ${bytes} bytes of JSON`,
      },
    },
    options,
  );

/** A full ISO 8601 instant such as 2026-11-23T10:00:00Z. */
export const IsInstant = (options?: ValidationOptions) => IsISO8601({ strict: true, strictSeparator: true }, options);

export const toInstant = (value: string | undefined): string | undefined => (value === undefined ? undefined : new Date(value).toISOString());

/** A product or environment name taken from the URL path. */
export const nameParam = (field: string, value: string): string => {
  if (!NAME_PATTERN.test(value)) throw new ProblemException('validation-failed', `${field} ${NAME_RULE}`, [{ field, message: NAME_RULE }]);
  return value;
};
