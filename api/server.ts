/**
 * The HTTP server around the app. A request that Node's own parser refuses (a malformed request line or
 * header, headers too large, a bad chunk, a request too slow to arrive) never reaches Express, and Node
 * would answer it with a bare text 400 or not at all. It gets the API's JSON problem instead, naming
 * nothing of what was sent, and the connection closes.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';

const PARSER_REFUSALS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'the request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request_timeout', 'the request did not arrive in time'],
};

/** The raw answer to a request the parser refused. */
export function parserRefusal(code: string | undefined): string {
  const [status, problem, message] = (code && PARSER_REFUSALS[code]) || [400, 'malformed_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ status, code: problem, message });
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
  return [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Attaches the JSON answer for parser refusals to a server (Node's `clientError`). */
export function answerParserRefusals(server: Server): Server {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that went away (or a socket already answered) is just closed.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(parserRefusal(err.code));
  });
  return server;
}

/** Listens on port (on host, else every address) and answers parser refusals as JSON problems. */
export function serve(app: Express, port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => (err ? reject(err) : resolve(server));
    const server = host === undefined ? app.listen(port, done) : app.listen(port, host, done);
    answerParserRefusals(server);
  });
}
