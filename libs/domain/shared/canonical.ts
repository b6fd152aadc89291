/** Deep equality of JSON values, ignoring object key order. */
export const canonicalEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => canonicalEqual(item, b[i]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  return ka.length === kb.length && ka.every((key) => key in b && canonicalEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
};
