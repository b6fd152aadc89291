import { FirstWins } from './first-wins';

describe('FirstWins (an immutable, add-only map)', () => {
  it('keeps the first value for a key and counts its keys', () => {
    const map = FirstWins.empty<number>().add('a', 1).add('b', 2).add('a', 3);
    expect([map.get('a'), map.get('b'), map.get('c'), map.size]).toEqual([1, 2, undefined, 2]);
  });

  it('never changes a version others were built from', () => {
    const one = FirstWins.empty<string>().add('a', 'x');
    const two = one.add('b', 'y');
    const three = two.add('c', 'z');
    expect([one.has('b'), one.size, two.has('c'), two.size, three.get('b'), three.size]).toEqual([false, 1, false, 2, 'y', 3]);
  });

  it('branches from an older version without disturbing the newer ones', () => {
    const base = FirstWins.empty<number>().add('a', 1);
    const newer = base.add('b', 2);
    const branch = base.add('b', 20).add('c', 30);
    expect([branch.get('b'), branch.get('c'), branch.size]).toEqual([20, 30, 3]);
    expect([newer.get('b'), newer.has('c'), newer.size, base.size, base.has('b')]).toEqual([2, false, 2, 1, false]);
    // The newer line still extends as before.
    expect(newer.add('c', 3).get('c')).toBe(3);
  });

  it('holds many keys, each seen by the versions from the one that added it on', () => {
    let map = FirstWins.empty<number>();
    for (let i = 0; i < 10_000; i += 1) map = map.add(`v${i}`, i);
    expect([map.size, map.get('v0'), map.get('v9999')]).toEqual([10_000, 0, 9_999]);
  });
});
