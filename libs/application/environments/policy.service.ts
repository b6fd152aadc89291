import type { DeploymentKind } from '../../domain/deployments/lane.events';
import { evaluatePolicies, PolicyBlocked, type PolicyDecision } from '../../domain/environments/policies';
import type { Clock } from '../../domain/shared/time';
import type { LaneWriter } from '../deployments/lane-writer';
import type { EnvironmentSettingsService } from './environment-settings.service';

export type PolicyRequest = { product: string; environment: string; version?: string; kind: DeploymentKind; scheduledAt?: string; overrideReason?: string };

/**
 * Gathers what the policy check needs (the environment's settings; for the upstream rule, when the version
 * completed in the environment that promotes here) and evaluates it. Every deployment request goes through here.
 */
export class PolicyService {
  constructor(
    private readonly settings: EnvironmentSettingsService,
    private readonly lanes: LaneWriter,
    private readonly environments: () => Promise<string[]>,
    private readonly clock: Clock,
  ) {}

  async evaluate(request: PolicyRequest): Promise<PolicyDecision> {
    const settings = await this.settings.settings(request.environment);
    return evaluatePolicies(settings, {
      kind: request.kind,
      environment: request.environment,
      now: this.clock.now(),
      ...(request.version === undefined ? {} : { version: request.version }),
      ...(request.scheduledAt === undefined ? {} : { scheduledAt: request.scheduledAt }),
      ...(request.overrideReason === undefined ? {} : { overrideReason: request.overrideReason }),
      upstream: settings.policies.require_upstream ? await this.upstream(request) : null,
    });
  }

  /** Throws PolicyBlocked (409, or 423 for a lock) when the decision blocks the request. */
  async assertAllowed(request: PolicyRequest): Promise<PolicyDecision> {
    const decision = await this.evaluate(request);
    if (decision.blocked) throw new PolicyBlocked(decision.violations.filter((v) => !decision.overridden.includes(v)));
    return decision;
  }

  private async upstream({ product, environment, version }: PolicyRequest) {
    for (const name of await this.environments()) {
      const candidate = await this.settings.settings(name);
      if (candidate.promotes_to !== environment) continue;
      const { state } = await this.lanes.load(product, name);
      const completed = state.finished.findLast((d) => d.version === version && d.status === 'completed');
      return { environment: name, completedAt: completed?.finishedAt ?? null, soakSeconds: candidate.soak_seconds };
    }
    return null;
  }
}
