import { DomainError } from '../shared/domain-error';

/** A hypothetical policy replayed over past deployments. Times are UTC. */
export type WhatIfRule = {
  /** Absolute freeze windows [start, end). */
  freezes: readonly { start: string; end: string }[];
  /** Weekly freeze windows, e.g. Friday 16:00 → Monday 08:00, as minutes from Monday 00:00 (may wrap the week). */
  weekly: readonly { from: number; to: number; label: string }[];
  /** Deployments with fewer approvals would have waited. */
  approvalRequired: number;
};

export type WhatIfDeployment = { id: string; started_at: string | null; created_at: string; approvals: number };

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEK = 7 * 24 * 60;

export class InvalidWindow extends DomainError {
  readonly code = 'invalid-window';
  constructor(field: string, value: string, expected: string) {
    super(`${field} "${value}" is not a window: expected ${expected}`, [{ field, message: `expected ${expected}` }]);
  }
}

const WEEKLY_FORMAT = 'like "fri 16:00-mon 08:00" (UTC)';

/** "fri 16:00-mon 08:00" → minutes from Monday 00:00. */
export const parseWeekly = (value: string): WhatIfRule['weekly'][number] => {
  const match = /^(mon|tue|wed|thu|fri|sat|sun) (\d{2}):(\d{2})-(mon|tue|wed|thu|fri|sat|sun) (\d{2}):(\d{2})$/i.exec(value.trim());
  if (!match) throw new InvalidWindow('freeze_weekly', value, WEEKLY_FORMAT);
  const minute = (day: string, h: string, m: string) => {
    if (Number(h) > 23 || Number(m) > 59) throw new InvalidWindow('freeze_weekly', value, WEEKLY_FORMAT);
    return DAYS.indexOf(day.toLowerCase()) * 1440 + Number(h) * 60 + Number(m);
  };
  return { from: minute(match[1]!, match[2]!, match[3]!), to: minute(match[4]!, match[5]!, match[6]!), label: value.trim() };
};

/** "2026-12-20T00:00:00Z/2027-01-04T00:00:00Z" → an absolute window. */
export const parseFreeze = (value: string): WhatIfRule['freezes'][number] => {
  const [start, end] = value.split('/');
  const valid = (s: string | undefined) => s !== undefined && !Number.isNaN(Date.parse(s));
  if (!valid(start) || !valid(end) || Date.parse(start!) >= Date.parse(end!)) throw new InvalidWindow('freeze', value, '"<start>/<end>" ISO instants, start before end');
  return { start: new Date(start!).toISOString(), end: new Date(end!).toISOString() };
};

const minuteOfWeek = (iso: string): number => {
  const d = new Date(iso);
  return ((d.getUTCDay() + 6) % 7) * 1440 + d.getUTCHours() * 60 + d.getUTCMinutes();
};

const inWeekly = (minute: number, { from, to }: { from: number; to: number }) => (from <= to ? minute >= from && minute < to : minute >= from || minute < to % WEEK);

/** Why the rule would have blocked a deployment, or null. */
export const blockedReason = (deployment: WhatIfDeployment, rule: WhatIfRule): string | null => {
  const at = deployment.started_at ?? deployment.created_at;
  const freeze = rule.freezes.find((f) => at >= f.start && at < f.end);
  if (freeze) return `freeze ${freeze.start}/${freeze.end}`;
  const weekly = rule.weekly.find((w) => inWeekly(minuteOfWeek(at), w));
  if (weekly) return `weekly freeze ${weekly.label}`;
  if (deployment.approvals < rule.approvalRequired) return `approvals ${deployment.approvals}/${rule.approvalRequired}`;
  return null;
};
