/**
 * A codec server (Temporal's remote codec protocol) for operators who must read a workflow's history:
 * `temporal workflow show --codec-endpoint https://…/codec --codec-auth "Bearer <token>"` sends each batch
 * of payloads to POST /codec/decode and prints them decrypted (README, Secret ballots and Temporal's
 * history). The keys stay in the API; the operator holds only a system administrator's token.
 *
 * Off unless TINGJIN_CODEC_ENDPOINT=on: decrypted, a secret (无记名) vote's history shows who voted how, and
 * issue 10 §4 asks that not even a system administrator can recover that through the API. Turning it on is
 * the operator's deliberate choice, for an investigation; every use is logged with who and how much.
 */
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { onOff } from '../../platform/config';
import { log } from '../../platform/log';
import { access } from '../authz';
import { ApiError, NotFound } from '../errors';
import type { RouteContext } from './context';

/** Payloads per request: `temporal workflow show` sends one event's payloads at a time. */
export const CODEC_MAX_PAYLOADS = 1_000;
/** The body parser's limit for these routes (app.ts): Temporal's 2 MB payload limit, base64-encoded, and room. */
export const CODEC_BODY_LIMIT = '4mb';

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const WirePayload = z
  .object({
    metadata: z.record(z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, 'must be a metadata name'), Base64).optional(),
    data: Base64.optional(),
  })
  .strict()
  .openapi('CodecPayload', { description: 'A Temporal Payload in protobuf JSON: metadata values and data base64-encoded' });
const CodecBody = z
  .object({ payloads: z.array(WirePayload).max(CODEC_MAX_PAYLOADS) })
  .strict()
  .openapi('CodecPayloads');

type Wire = z.infer<typeof WirePayload>;

const fromWire = (p: Wire): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload): Wire => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export function codecEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return onOff(env, 'TINGJIN_CODEC_ENDPOINT', false);
}

export function codecRoutes({ route, deps }: RouteContext): void {
  // Read once here so that a bad value stops the API at startup, not a request; each request reads it again.
  codecEnabled();
  for (const op of ['decode', 'encode'] as const) {
    route({
      method: 'post',
      path: `/codec/${op}`,
      tag: 'operations',
      summary: op === 'decode' ? 'Codec server: decrypt payloads of a workflow history (temporal --codec-endpoint)' : 'Codec server: encrypt payloads, as the API and the worker do',
      description: 'Temporal\'s remote codec protocol. Off unless TINGJIN_CODEC_ENDPOINT=on (then 404 codec_disabled); system administrators only; each use is logged.',
      access: access.roles('admin'),
      body: CodecBody,
      response: { status: 200, schema: CodecBody, description: op === 'decode' ? 'The payloads decrypted, in order' : 'The payloads encrypted, in order' },
      errors: [404, 422],
      handler: async ({ user, body }) => {
        if (!codecEnabled()) throw new NotFound('codec_disabled', 'the codec endpoint is off (TINGJIN_CODEC_ENDPOINT)');
        // The client's own codecs: the same key ring the API encrypts with (platform/payload-codec.ts).
        const codecs = deps.client.options.loadedDataConverter.payloadCodecs;
        let payloads = body.payloads.map(fromWire);
        try {
          // As the SDK applies them: encode in order, decode in reverse.
          for (const c of op === 'decode' ? [...codecs].reverse() : codecs) payloads = await (op === 'decode' ? c.decode(payloads) : c.encode(payloads));
        } catch {
          // Not the codec's message: it would name a key id taken from the request.
          throw new ApiError(422, 'payload_not_decodable', 'a payload could not be decrypted with the configured keys (another key, or altered)', { field: 'payloads' });
        }
        log().info({ userId: user.id, op, payloads: payloads.length }, `codec ${op}: ${payloads.length} payloads for ${user.id}`);
        return { status: 200, body: { payloads: payloads.map(toWire) } };
      },
    });
  }
}
