import { AddOnlyList } from './add-only-list';

describe('AddOnlyList', () => {
  it('appends without changing the list it was appended to', () => {
    const one = AddOnlyList.of('a');
    const two = one.append('b');
    expect([...one]).toEqual(['a']);
    expect([...two]).toEqual(['a', 'b']);
    expect(one.length).toBe(1);
    expect(two.at(-1)).toBe('b');
    expect(one.at(-1)).toBe('a');
    expect(one.at(1)).toBeUndefined();
  });

  it('keeps an older version apart when it is appended to after a newer one (a branch)', () => {
    const base = AddOnlyList.empty<number>().append(1).append(2);
    const newer = base.append(3);
    const branch = base.append(30);
    expect([...newer]).toEqual([1, 2, 3]);
    expect([...branch]).toEqual([1, 2, 30]);
    expect([...base]).toEqual([1, 2]);
    // Both go on growing on their own.
    expect([...newer.append(4)]).toEqual([1, 2, 3, 4]);
    expect([...branch.append(40)]).toEqual([1, 2, 30, 40]);
  });

  it('searches only what its version holds', () => {
    const base = AddOnlyList.of({ id: 1, ok: true }, { id: 2, ok: false });
    base.append({ id: 3, ok: true });
    expect(base.findLast((x) => x.ok)?.id).toBe(1);
    expect(base.find((x) => x.id === 3)).toBeUndefined();
    expect(base.some((x) => x.id === 3)).toBe(false);
    expect(base.findIndex((x) => !x.ok)).toBe(1);
    expect(base.slice(1).map((x) => x.id)).toEqual([2]);
    expect(base.slice(-1).map((x) => x.id)).toEqual([2]);
    expect(JSON.stringify(base)).toBe(JSON.stringify([{ id: 1, ok: true }, { id: 2, ok: false }]));
  });
});
