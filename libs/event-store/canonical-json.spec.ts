import { canonicalJson } from './canonical-json';

/** How canonical JSON was first defined (stored hash chains were computed with it): the one-pass writer must agree. */
const reference = (value: unknown): string => JSON.stringify(sortKeys(value));
const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(source)
      .filter((key) => source[key] !== undefined)
      .sort()
      .map((key) => [key, sortKeys(source[key])]),
  );
};

describe('canonicalJson', () => {
  it('sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}');
  });

  it.each<[string, unknown]>([
    ['a deployment event', { product: 'api', environment: 'production', version: '1.2.3', status: 'succeeded', extra: { url: 'https://x', n: 3 } }],
    ['undefined members left out, null kept', { a: undefined, b: null, c: [undefined, null, 1] }],
    ['functions and symbols left out of objects, null in arrays', { f: () => 1, s: Symbol('s'), list: [() => 1, Symbol('t')] }],
    ['array holes', { list: [1, , 3] }],
    ['numbers JSON cannot hold', { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0, big: 1e21, small: 5e-7 }],
    ['dates and other objects as their own keys', { at: new Date(0), map: new Map([[1, 2]]), bytes: new Uint8Array([1, 2]) }],
    ['strings that need escaping, keys sorted by code unit', { é: '"quoted"\n', Z: '\u2028', a: 'ü', '': 'empty', '\ud800': 'lone' }],
    ['integer keys first, in numeric order, as in an object built from sorted keys', { b: { '2': 0, '01': 1, '4294967294': 2, '4294967295': 3, '-1': 4, '1.5': 5, x: 6 } }],
    ['an object with many keys', { many: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, i])), mixed: { '3': 1, ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`z${30 - i}`, i])) } }],
    ['nested arrays of objects', [[{ b: 2, a: 1 }], [], {}]],
    ['a string', 'text'],
    ['a number', 42],
    ['null', null],
    ['booleans', { t: true, f: false }],
  ])('writes %s as the reference does', (_name, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it('refuses values JSON cannot write, as the reference does', () => {
    expect(() => reference({ n: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
