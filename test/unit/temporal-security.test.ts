/** How the client and the workers reach a secured Temporal cluster, from the environment (platform/temporal.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporalSecurity } from '../../platform/temporal';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-tls-'));
const pem = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('nothing set: plaintext and no key, as the dev server wants', () => {
  expect(temporalSecurity({})).toEqual({});
});

test('mTLS: the server root, the client pair and the name to check, read from their files; the API key as given', () => {
  const env = {
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem('ca.pem', 'CA'),
    TEMPORAL_TLS_CLIENT_CERT_PATH: pem('crt.pem', 'CRT'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: pem('key.pem', 'KEY'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
    TEMPORAL_API_KEY: 'k-123',
  };
  const s = temporalSecurity(env);
  expect(s.apiKey).toBe('k-123');
  expect(s.tls).toEqual({
    serverRootCACertificate: Buffer.from('CA'),
    clientCertPair: { crt: Buffer.from('CRT'), key: Buffer.from('KEY') },
    serverNameOverride: 'temporal.example',
  });
});

test('TEMPORAL_TLS=true alone is TLS with the system roots', () => {
  expect(temporalSecurity({ TEMPORAL_TLS: 'true' })).toEqual({ tls: {} });
});

test('a client certificate without its key is refused, naming both variables', () => {
  expect(() => temporalSecurity({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem('only.pem', 'CRT') })).toThrow(/TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/);
});
