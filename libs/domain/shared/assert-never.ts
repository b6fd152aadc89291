/** Exhaustiveness check for discriminated unions: a new variant becomes a compile error here. */
export const assertNever = (value: never): never => {
  throw new Error(`Unexpected variant: ${JSON.stringify(value)}`);
};
