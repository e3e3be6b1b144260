/**
 * The server configuration that `npm run cluster` renders from platform/cluster/config.template.yaml:
 * every placeholder filled, the TLS block only with TLS, and a placeholder without a value refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderTemplate, serverPorts, writeServerConfig } from '../../platform/cluster/server';

function render(tls?: Parameters<typeof writeServerConfig>[0]['tls']): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-cluster-config-'));
  try {
    const file = writeServerConfig({
      configDir: dir,
      env: 'test',
      adminUrl: 'postgres://tj:s%40cret@db.internal:5433/postgres',
      database: 'temporal',
      visibilityDatabase: 'temporal_visibility',
      shards: 16,
      bindIp: '127.0.0.1',
      frontendPort: 7233,
      metricsPort: 8000,
      logLevel: 'warn',
      ...(tls ? { tls } : {}),
    });
    expect(fs.existsSync(path.join(dir, 'dynamicconfig.yaml'))).toBe(true);
    return fs.readFileSync(file, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('every placeholder is filled: database, shards, ports; no TLS block without TLS', () => {
  const text = render();
  expect(text).not.toMatch(/\{\{\w+\}\}/);
  expect(text).toContain('numHistoryShards: 16');
  expect(text).toContain('connectAddr: "db.internal:5433"');
  expect(text).toContain('password: "s@cret"');
  expect(text).toContain('databaseName: "temporal_visibility"');
  expect(text).toContain('grpcPort: 7233');
  expect(text).toContain('listenAddress: "127.0.0.1:8000"');
  expect(text).not.toContain('tls:');
  expect(text).not.toMatch(/^#(if|end) /m);
});

test('with TLS the frontend block is kept, with the files and client authentication', () => {
  const text = render({ cert: '/c.pem', key: '/k.pem', ca: '/ca.pem', serverName: 'temporal.internal', requireClientAuth: true });
  expect(text).toContain('certFile: "/c.pem"');
  expect(text).toContain('requireClientAuth: true');
  expect(text).toContain('serverName: "temporal.internal"');
  expect(text).not.toMatch(/^#(if|end) /m);
});

test('the services get distinct ports', () => {
  const ports = Object.values(serverPorts(7233, 8000));
  expect(new Set(ports).size).toBe(ports.length);
});

test('a placeholder without a value is refused, not left empty', () => {
  expect(() => renderTemplate('a: {{A}}\nb: {{B}}\n', { A: 1 })).toThrow('{{B}}');
  expect(renderTemplate('#if X\nx: 1\n#end X\ny: {{Y}}\n', { Y: 2 })).toBe('y: 2\n');
});
