/** Connecting to Temporal, and the dev server that `npm start` runs when TEMPORAL_ADDRESS is unset. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SearchAttributeType, type DataConverter } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../procedures/kernel/messages';
import { payloadDataConverter } from './payload-codec';
import { portOpen } from './ports';

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `--search-attribute Name=Type` flags for the dev server. */
export function searchAttributeFlags(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${CLI_TYPE_NAMES[k.type]}`]);
}

/** How a process reaches a Temporal cluster beyond its address: TLS (or mTLS) and an API key. */
export interface TemporalSecurity {
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/**
 * TLS and an API key for the client and the workers, from the environment, under the names the Temporal
 * SDKs' environment configuration uses: TEMPORAL_TLS=true (the system's roots), TEMPORAL_TLS_SERVER_CA_CERT_PATH
 * (a PEM file of the server's root), TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH (the
 * client's certificate for mTLS), TEMPORAL_TLS_SERVER_NAME (the name to check), and TEMPORAL_API_KEY. Nothing
 * set: plaintext, as the dev server wants. A certificate without its key is refused.
 */
export function temporalSecurity(env: NodeJS.ProcessEnv = process.env): TemporalSecurity {
  const file = (name: string): Buffer | undefined => (env[name] ? fs.readFileSync(env[name]) : undefined);
  const ca = file('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
  const crt = file('TEMPORAL_TLS_CLIENT_CERT_PATH');
  const key = file('TEMPORAL_TLS_CLIENT_KEY_PATH');
  if (!crt !== !key) throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together (mTLS needs both)');
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || undefined;
  const wantsTls = env.TEMPORAL_TLS === 'true' || env.TEMPORAL_TLS === '1' || ca !== undefined || crt !== undefined || serverName !== undefined;
  const tls: TLSConfig | undefined = wantsTls
    ? { ...(ca ? { serverRootCACertificate: ca } : {}), ...(crt && key ? { clientCertPair: { crt, key } } : {}), ...(serverName ? { serverNameOverride: serverName } : {}) }
    : undefined;
  return { ...(tls ? { tls } : {}), ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}) };
}

/**
 * Every client of the project's workflows connects here, so every one encrypts and decrypts payloads with
 * the same key ring (platform/payload-codec.ts) as the workers.
 *
 * The connection is the SDK's NativeConnection, the workers' gRPC client in Rust, not the JavaScript one
 * (`Connection`, on grpc-js): every task action and start is a gRPC call from the API's one event loop, and
 * grpc-js's HTTP/2, protobuf and interceptor work ran on that thread. In the side-by-side bench (issue 7) the
 * native client cut the API process's CPU per procedure by about an eighth with one client (67–71 against
 * 83–84 ms) and the one-client action p50 from 22 to 19–20 ms. Deadlines (withDeadline) and metadata work
 * the same; the process's Temporal runtime must be installed first where it matters (worker/runtime.ts).
 */
export async function connectClient(
  address: string,
  namespace: string,
  security: TemporalSecurity = temporalSecurity(),
  dataConverter: DataConverter = payloadDataConverter(),
): Promise<Client> {
  const connection = await NativeConnection.connect({ address, ...security });
  return new Client({ connection, namespace, dataConverter });
}

/**
 * Registers the search attributes on an existing server or cluster. The dev server gets them as
 * flags; on a cluster this is a no-op once they exist.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !customAttributes || !(k.name in customAttributes));
  if (missing.length === 0) return;
  const typeEnum: Record<string, number> = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 };
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    // The proto enum IndexedValueType numbers the types in this order.
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, (typeEnum[CLI_TYPE_NAMES[k.type] ?? 'Keyword'] ?? 2) as 2])),
  });
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with its SQLite file under dataDir, and waits until it serves. */
export async function startDevServer(opts: {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number | null;
  namespace: string;
  log?: (line: string) => void;
}): Promise<DevServer> {
  if (await portOpen(opts.port)) {
    throw new Error(`port ${opts.port} is already in use; set TEMPORAL_PORT, or TEMPORAL_ADDRESS to use that server`);
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(opts.dataDir, 'temporal.sqlite'),
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    // SQLite's write-ahead log with NORMAL sync: a commit no longer waits for an fsync, only a
    // checkpoint does. It survives the server process being killed (the crash tests kill it); a power
    // loss may lose the last commits, which a dev server may. Starts went from 46/s to 131/s here,
    // and every workflow task completion is such a commit. Production runs the server on PostgreSQL.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...searchAttributeFlags(),
  ];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(opts.dataDir, 'temporal.log'), { flags: 'a' });
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  // Assigned from the exit callback; the cast keeps TypeScript from narrowing it to null.
  let exited = null as number | null;
  // The process may exit without awaiting stop() (Ctrl-C, an error); the server must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.on('exit', (code) => {
    exited = code ?? -1;
    process.removeListener('exit', killOnExit);
  });

  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`temporal server exited with code ${exited}; see ${path.join(opts.dataDir, 'temporal.log')}`);
    if (await portOpen(opts.port)) {
      try {
        const client = await connectClient(address, opts.namespace);
        await client.workflowService.describeNamespace({ namespace: opts.namespace });
        await client.connection.close();
        break;
      } catch {
        /* not ready yet */
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('temporal server did not become ready within 60s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : null,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(killTimer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
