/** Facts a CI system already knows about the run, so `shiplog track` needs only product, version and status. */
export type CiContext = { system: 'github-actions' | 'gitlab-ci' | null; scm_sha?: string; scm_branch?: string; build_url?: string; actor?: string };

const present = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

export const detectCi = (env: NodeJS.ProcessEnv): CiContext => {
  if (env['GITHUB_ACTIONS'] === 'true') {
    const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
    return strip({
      system: 'github-actions',
      scm_sha: present(env['GITHUB_SHA']),
      scm_branch: present(env['GITHUB_HEAD_REF']) ?? present(env['GITHUB_REF_NAME']),
      build_url: server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined,
      actor: present(env['GITHUB_ACTOR']),
    });
  }
  if (env['GITLAB_CI'] === 'true') {
    return strip({
      system: 'gitlab-ci',
      scm_sha: present(env['CI_COMMIT_SHA']),
      scm_branch: present(env['CI_COMMIT_REF_NAME']),
      build_url: present(env['CI_JOB_URL']) ?? present(env['CI_PIPELINE_URL']),
      actor: present(env['GITLAB_USER_LOGIN']),
    });
  }
  return { system: null };
};

const strip = (context: { [K in keyof CiContext]: CiContext[K] | undefined }): CiContext =>
  Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as CiContext;
