/**
 * The logging rules on their own: which X-Request-Id is repeated, the level from LOG_LEVEL, the scope's
 * fields (the first to name a workflow keeps it), and the Temporal SDK's lines as JSON fields.
 */
import { requestIdFrom } from '../../api/log';
import { annotateLog, createLogger, logLevel, runInLogScope, temporalLogger, withLogFields } from '../../platform/log';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

test('a safe X-Request-Id is kept; anything else gets a fresh UUID', () => {
  for (const ok of ['a', 'trace.7f3a:1', 'A-b_c.d:e', '0'.repeat(128), '3fa85f64-5717-4562-b3fc-2c963f66afa6']) expect(requestIdFrom(ok)).toBe(ok);
  for (const bad of [undefined, '', '0'.repeat(129), 'a b', 'a,b', 'a/b', '"x"', 'é', '请求', 'a\tb', ['a', 'b'], 42]) expect(requestIdFrom(bad)).toMatch(UUID);
});

test('LOG_LEVEL sets the level; an unknown one falls back; jest is silent by default', () => {
  expect(logLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
  expect(logLevel({ LOG_LEVEL: ' WARN ' })).toBe('warn');
  expect(logLevel({ LOG_LEVEL: 'loud' })).toBe('silent');
  expect(logLevel({})).toBe('silent');
});

test('a scope’s lines carry its request, workflow and task; the first workflow named is kept', () => {
  const { logger, lines } = capture();
  runInLogScope({ reqId: 'r-1', log: logger }, () => {
    annotateLog({ taskId: 'wf-a:3' });
    annotateLog({ workflowId: 'wf-a' });
    annotateLog({ workflowId: 'wf-child' });
    withLogFields({ workflowId: 'wf-b' }, () => logger.info('inner'));
    logger.info({ extra: 1 }, 'outer');
  });
  logger.info('outside');
  expect(lines.map(({ msg, reqId, workflowId, taskId }) => ({ msg, reqId, workflowId, taskId }))).toEqual([
    { msg: 'inner', reqId: 'r-1', workflowId: 'wf-b', taskId: 'wf-a:3' },
    { msg: 'outer', reqId: 'r-1', workflowId: 'wf-a', taskId: 'wf-a:3' },
    { msg: 'outside', reqId: undefined, workflowId: undefined, taskId: undefined },
  ]);
});

test('the Temporal SDK’s lines become JSON lines with their metadata as fields', () => {
  const { logger, lines } = capture();
  const sdk = temporalLogger(logger);
  sdk.warn('Activity failed', { workflowId: 'wf-1', activityType: 'project', error: new Error('boom'), [Symbol('t')]: 1 });
  sdk.log('DEBUG', 'polled');
  expect(lines[0]).toMatchObject({ level: 'warn', msg: 'Activity failed', workflowId: 'wf-1', activityType: 'project', error: { message: 'boom', type: 'Error' } });
  expect(lines[1]).toMatchObject({ level: 'debug', msg: 'polled' });
});
