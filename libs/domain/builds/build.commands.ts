import type { CanonicalStatus } from '../deployments/statuses';

/** A CI system reporting a build status (POST /build-events/), parsed to canonical form. */
export type ReportBuildStatus = {
  type: 'ReportBuildStatus';
  data: {
    product: string;
    version: string;
    status: CanonicalStatus;
    occurred_at?: string;
    built_by?: string;
    scm_sha?: string;
    scm_branch?: string;
    build_url?: string;
    extra_metadata?: Record<string, unknown>;
  };
};

export type BuildCommand = ReportBuildStatus;
