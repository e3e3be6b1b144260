import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log every state change at INFO; tests only need warnings and errors.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this test file's module registry.
}

// Every test runs with payload encryption on, as production does (platform/payload-codec.ts): a fixed key,
// inherited by the API and worker processes some tests spawn. TINGJIN_PAYLOAD_KEYS=off from outside turns
// it off (test/api/secret-ballot-history.api.test.ts must then fail).
process.env.TINGJIN_PAYLOAD_KEYS ??= 'test-1:dGluZ2ppbi10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=';
