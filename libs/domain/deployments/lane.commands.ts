import type { CanonicalStatus } from './statuses';

/** A CI system reporting a lifecycle status (POST /deployment-events/), already parsed to canonical form. */
export type ReportDeploymentStatus = {
  type: 'ReportDeploymentStatus';
  data: {
    product: string;
    environment: string;
    version: string;
    status: CanonicalStatus;
    /** Targets one deployment Shiplog issued; without it the report goes to the open deployment of `version`. */
    deployment_id?: string;
    occurred_at?: string;
    deployed_by?: string;
    scm_sha?: string;
    scm_branch?: string;
    build_url?: string;
    extra_metadata?: Record<string, unknown>;
  };
};

export type LaneCommand = ReportDeploymentStatus;
