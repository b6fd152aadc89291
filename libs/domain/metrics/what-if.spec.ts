import { blockedReason, InvalidWindow, parseFreeze, parseWeekly, type WhatIfRule } from './what-if';

const rule = (extra: Partial<WhatIfRule>): WhatIfRule => ({ freezes: [], weekly: [], approvalRequired: 0, ...extra });
const at = (iso: string, approvals = 0) => ({ id: iso, started_at: iso, created_at: iso, approvals });

describe('what-if policies', () => {
  it('blocks deployments inside an absolute freeze window, end excluded', () => {
    const holidays = rule({ freezes: [parseFreeze('2026-12-20T00:00:00Z/2027-01-04T00:00:00Z')] });
    expect(blockedReason(at('2026-12-24T10:00:00.000Z'), holidays)).toBe('freeze 2026-12-20T00:00:00.000Z/2027-01-04T00:00:00.000Z');
    expect(blockedReason(at('2027-01-04T00:00:00.000Z'), holidays)).toBeNull();
  });

  it('blocks deployments in a weekly window that wraps the weekend', () => {
    const weekend = rule({ weekly: [parseWeekly('fri 16:00-mon 08:00')] });
    expect(blockedReason(at('2026-11-20T17:00:00.000Z'), weekend)).toBe('weekly freeze fri 16:00-mon 08:00'); // Friday
    expect(blockedReason(at('2026-11-22T12:00:00.000Z'), weekend)).not.toBeNull(); // Sunday
    expect(blockedReason(at('2026-11-23T07:59:00.000Z'), weekend)).not.toBeNull(); // Monday before 08:00
    expect(blockedReason(at('2026-11-23T08:00:00.000Z'), weekend)).toBeNull();
    expect(blockedReason(at('2026-11-20T15:59:00.000Z'), weekend)).toBeNull();
  });

  it('blocks deployments with too few approvals', () => {
    expect(blockedReason(at('2026-11-20T10:00:00.000Z', 1), rule({ approvalRequired: 2 }))).toBe('approvals 1/2');
    expect(blockedReason(at('2026-11-20T10:00:00.000Z', 2), rule({ approvalRequired: 2 }))).toBeNull();
  });

  it('refuses windows it cannot read', () => {
    expect(() => parseWeekly('friday afternoon')).toThrow(InvalidWindow);
    expect(() => parseWeekly('fri 25:00-mon 08:00')).toThrow(InvalidWindow);
    expect(() => parseFreeze('2027-01-04T00:00:00Z/2026-12-20T00:00:00Z')).toThrow(/start before end/);
  });
});
