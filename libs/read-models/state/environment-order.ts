/**
 * Promotion order of environments by conventional names, until environments declare `promotes_to`.
 * The upstream of an environment is the nearest known one of a lower stage.
 */
const STAGES: readonly (readonly string[])[] = [
  ['local', 'dev', 'develop', 'development', 'sandbox'],
  ['ci', 'test', 'testing', 'qa', 'integration'],
  ['staging', 'stage', 'uat', 'preprod', 'pre-production', 'preview'],
  ['prod', 'production', 'live'],
];

export const stageOf = (environment: string): number | null => {
  const name = environment.toLowerCase();
  const stage = STAGES.findIndex((names) => names.some((n) => name === n || name.startsWith(`${n}-`) || name.endsWith(`-${n}`)));
  return stage === -1 ? null : stage;
};

/** Environments in promotion order: known stages first (dev → prod), then the rest alphabetically. */
export const orderEnvironments = (names: readonly string[]): string[] =>
  [...names].sort((a, b) => (stageOf(a) ?? 99) - (stageOf(b) ?? 99) || a.localeCompare(b));

export const upstreamOf = (environment: string, names: readonly string[]): string | null => {
  const stage = stageOf(environment);
  if (stage === null) return null;
  const lower = names.filter((n) => (stageOf(n) ?? Infinity) < stage);
  return lower.sort((a, b) => (stageOf(b) ?? 0) - (stageOf(a) ?? 0) || a.localeCompare(b))[0] ?? null;
};
