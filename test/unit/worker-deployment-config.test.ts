/** TEMPORAL_DEPLOYMENT_NAME / TEMPORAL_BUILD_ID / TEMPORAL_VERSIONING_BEHAVIOR (platform/config.ts): a worker's version. */
import { loadConfig } from '../../platform/config';

test('unset: an unversioned worker, as before', () => {
  expect(loadConfig({}).workerDeployment).toBeNull();
});

test('a name and a build id: pinned unless auto-upgrade is asked for', () => {
  expect(loadConfig({ TEMPORAL_DEPLOYMENT_NAME: 'tingjin', TEMPORAL_BUILD_ID: '2026.12.1' }).workerDeployment).toEqual({
    deploymentName: 'tingjin',
    buildId: '2026.12.1',
    defaultVersioningBehavior: 'PINNED',
  });
  expect(loadConfig({ TEMPORAL_DEPLOYMENT_NAME: 'tingjin', TEMPORAL_BUILD_ID: 'b', TEMPORAL_VERSIONING_BEHAVIOR: 'Auto-Upgrade' }).workerDeployment?.defaultVersioningBehavior).toBe('AUTO_UPGRADE');
});

test.each([
  [{ TEMPORAL_DEPLOYMENT_NAME: 'tingjin' }, /set together/],
  [{ TEMPORAL_BUILD_ID: 'b' }, /set together/],
  [{ TEMPORAL_DEPLOYMENT_NAME: 'tingjin', TEMPORAL_BUILD_ID: 'b', TEMPORAL_VERSIONING_BEHAVIOR: 'sticky' }, /pinned or auto-upgrade, got "sticky"/],
])('%j is refused at startup', (env, message) => {
  expect(() => loadConfig(env)).toThrow(message);
});
