import git from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import * as fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GitOpsSource } from '../../domain/gitops/gitops';

export type ManifestFile = { file: string; text: string };

/** Reading a source's branch: its head commit, and the manifest files under its path at a commit. */
export interface GitRepositories {
  head(source: GitOpsSource, password: string | null): Promise<string>;
  manifests(source: GitOpsSource, commit: string): Promise<ManifestFile[]>;
}

export class GitReadError extends Error {}

const FETCH_TIMEOUT_MS = 60_000;

/** isomorphic-git's HTTP client has no timeout: a remote that never answers must not hold the watcher forever. */
const http: typeof nodeHttp = {
  request: (request) =>
    Promise.race([
      nodeHttp.request(request),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${FETCH_TIMEOUT_MS / 1000} s`)), FETCH_TIMEOUT_MS).unref()),
    ]),
};

const isManifest = (file: string) => /\.ya?ml$/i.test(file);

/**
 * Git through isomorphic-git (pure JavaScript, no git binary). A file:// URL is read in place (a working copy or a
 * bare repository); an https:// one is fetched (one branch, depth 1) into `<cacheDir>/<source id>.git`.
 */
export class IsomorphicGitRepositories implements GitRepositories {
  constructor(private readonly cacheDir: string) {}

  async head(source: GitOpsSource, password: string | null): Promise<string> {
    try {
      if (source.repo_url.startsWith('file://')) return await git.resolveRef({ fs, gitdir: this.gitdir(source), ref: `refs/heads/${source.branch}` });
      const gitdir = this.gitdir(source);
      await mkdir(gitdir, { recursive: true });
      if (!fs.existsSync(join(gitdir, 'HEAD'))) await git.init({ fs, gitdir, bare: true });
      await git.addRemote({ fs, gitdir, remote: 'origin', url: source.repo_url, force: true });
      const fetched = await git.fetch({
        fs,
        http,
        gitdir,
        remote: 'origin',
        ref: source.branch,
        singleBranch: true,
        depth: 1,
        tags: false,
        ...(source.credentials ? { onAuth: () => ({ username: source.credentials!.username, password: password ?? '' }) } : {}),
      });
      if (!fetched.fetchHead) throw new GitReadError(`branch ${source.branch} not found`);
      return fetched.fetchHead;
    } catch (error) {
      throw new GitReadError(`cannot read ${source.branch} of ${source.repo_url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async manifests(source: GitOpsSource, commit: string): Promise<ManifestFile[]> {
    const gitdir = this.gitdir(source);
    const prefix = source.path === '/' ? '' : `${source.path.replace(/^\//, '')}/`;
    const files = (await git.listFiles({ fs, gitdir, ref: commit })).filter((file) => file.startsWith(prefix) && isManifest(file)).sort();
    return Promise.all(
      files.map(async (file) => ({ file, text: Buffer.from((await git.readBlob({ fs, gitdir, oid: commit, filepath: file })).blob).toString('utf8') })),
    );
  }

  private gitdir(source: GitOpsSource): string {
    if (!source.repo_url.startsWith('file://')) return join(this.cacheDir, `${source.source_id}.git`);
    const dir = fileURLToPath(source.repo_url);
    return fs.existsSync(join(dir, '.git')) ? join(dir, '.git') : dir;
  }
}
