/**
 * What `npm run cluster` hands its workers (scripts/cluster.ts clusterOptions, workerEnv): the Worker
 * Deployment version from the command line or the environment, checked before anything starts, and
 * written into every worker's environment, which the worker reads with platform/config.ts. Pure: it
 * starts nothing (the smoke test beside it runs a versioned cluster, on demand).
 */
import { loadConfig } from '../../platform/config';
import { clusterOptions, workerEnv } from '../../scripts/cluster';

const versionOf = (env: NodeJS.ProcessEnv) => loadConfig(env).workerDeployment;

describe('npm run cluster: the workers version', () => {
  test('unset: unversioned workers, even with versioning variables left in the base environment', () => {
    const opts = clusterOptions([], {});
    expect(opts.deployment).toBeNull();
    const env = workerEnv({ TEMPORAL_BUILD_ID: 'stale' }, 1, opts.deployment);
    expect(env.TEMPORAL_BUILD_ID).toBeUndefined();
    expect(versionOf(env)).toBeNull();
  });

  test('the flags make every worker that version, pinned by default', () => {
    const opts = clusterOptions(['--workers', '3', '--deployment-name', 'tingjin', '--build-id', '2026.12.1'], {});
    expect(opts.deployment).toEqual({ deploymentName: 'tingjin', buildId: '2026.12.1', defaultVersioningBehavior: 'PINNED' });
    for (const i of [1, 2, 3]) {
      const env = workerEnv({ DATABASE_URL: 'postgres://x/y' }, i, opts.deployment);
      expect(env).toMatchObject({ DATABASE_URL: 'postgres://x/y', TEMPORAL_DEPLOYMENT_NAME: 'tingjin', TEMPORAL_BUILD_ID: '2026.12.1', TEMPORAL_VERSIONING_BEHAVIOR: 'pinned' });
      expect(versionOf(env)).toEqual(opts.deployment);
    }
  });

  test('the environment is read too, and a flag wins over it', () => {
    const env = { TEMPORAL_DEPLOYMENT_NAME: 'tingjin', TEMPORAL_BUILD_ID: 'from-env', TEMPORAL_VERSIONING_BEHAVIOR: 'auto-upgrade' };
    expect(clusterOptions([], env).deployment).toEqual({ deploymentName: 'tingjin', buildId: 'from-env', defaultVersioningBehavior: 'AUTO_UPGRADE' });
    const opts = clusterOptions(['--build-id', 'from-flag', '--versioning-behavior', 'pinned'], env);
    expect(opts.deployment).toEqual({ deploymentName: 'tingjin', buildId: 'from-flag', defaultVersioningBehavior: 'PINNED' });
    expect(versionOf(workerEnv(env, 1, opts.deployment))).toEqual(opts.deployment);
  });

  test('a half or a wrong setting is refused before anything starts', () => {
    expect(() => clusterOptions(['--build-id', 'b1'], {})).toThrow('TEMPORAL_DEPLOYMENT_NAME and TEMPORAL_BUILD_ID are set together');
    expect(() => clusterOptions(['--deployment-name', 'tingjin', '--build-id', 'b1', '--versioning-behavior', 'sticky'], {})).toThrow('TEMPORAL_VERSIONING_BEHAVIOR must be pinned or auto-upgrade');
  });

  test('each worker its own SDK metrics port when WORKER_METRICS_PORT is set', () => {
    expect(workerEnv({ WORKER_METRICS_PORT: '9400' }, 3, null).WORKER_METRICS_PORT).toBe('9402');
    expect(workerEnv({}, 3, null).WORKER_METRICS_PORT).toBeUndefined();
  });
});
