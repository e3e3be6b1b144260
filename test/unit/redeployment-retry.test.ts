/**
 * A 揭榜出征 command that reaches the list's run as it continues as new: the run ended under it, so the Update
 * fails as if the list had ended (api/temporal.ts answers procedure_ended, 409), and a state read meets the
 * new run before its first workflow task. The route tries once more against the latest run, with the same
 * update id, when that run is running; it never retries a refusal, nor a list that really ended.
 */
import { Conflict, Unprocessable } from '../../api/errors';

const sendUpdate = jest.fn();
jest.mock('../../api/temporal', () => ({ sendUpdate: (...args: unknown[]) => sendUpdate(...args) }));

import { listState, sendCommand } from '../../procedures/redeployment/index';
import type { RedeploymentCommandInput } from '../../procedures/redeployment/messages';

const WF = 'redeployment-L1';
const command: RedeploymentCommandInput = { action: 'submitProposal', actorId: 'zzb-staff', actorRoles: ['staff'], actorUnitId: 'zzb' };
const em = {} as never;

function client(status: string, query: jest.Mock = jest.fn()) {
  const describe = jest.fn(async () => ({ status: { name: status } }));
  return {
    describe,
    query,
    deps: { client: { withDeadline: (_d: number, fn: () => unknown) => fn(), workflow: { getHandle: () => ({ describe, query }) } }, taskQueue: 'q' } as never,
  };
}

beforeEach(() => sendUpdate.mockReset());

describe('a command sent while the list continues as new', () => {
  test('is sent once more, with the same update id, when the latest run is running', async () => {
    const c = client('RUNNING');
    sendUpdate.mockRejectedValueOnce(new Conflict('procedure_ended', 'the procedure has ended')).mockResolvedValueOnce({ seq: 7, action: 'submitProposal' });
    await expect(sendCommand(c.deps, em, WF, command, 'u:k1')).resolves.toEqual({ seq: 7, action: 'submitProposal' });
    expect(sendUpdate).toHaveBeenCalledTimes(2);
    expect(sendUpdate.mock.calls.map((a) => [a[2], a[5]])).toEqual([
      [WF, 'u:k1'],
      [WF, 'u:k1'],
    ]);
  });

  test('is not sent again when the list has really ended, nor after a refusal', async () => {
    const ended = client('COMPLETED');
    sendUpdate.mockRejectedValue(new Conflict('procedure_ended', 'the procedure has ended'));
    await expect(sendCommand(ended.deps, em, WF, command, 'u:k2')).rejects.toMatchObject({ status: 409, code: 'procedure_ended' });
    expect(sendUpdate).toHaveBeenCalledTimes(1);

    sendUpdate.mockReset();
    const running = client('RUNNING');
    sendUpdate.mockRejectedValue(new Unprocessable('invalid_adjustment', 'no'));
    await expect(sendCommand(running.deps, em, WF, command, 'u:k3')).rejects.toMatchObject({ status: 422 });
    expect(sendUpdate).toHaveBeenCalledTimes(1);
    expect(running.describe).not.toHaveBeenCalled();
  });

  test('reads the state once more when the first read meets the new run before its first task', async () => {
    const query = jest.fn().mockRejectedValueOnce(new Error('workflow task not yet completed')).mockResolvedValueOnce({ stage: 'meeting' });
    const c = client('RUNNING', query);
    await expect(listState(c.deps, WF)).resolves.toEqual({ stage: 'meeting' });
    expect(query).toHaveBeenCalledTimes(2);

    const failing = client('RUNNING', jest.fn().mockRejectedValue(new Error('still not')));
    await expect(listState(failing.deps, WF)).rejects.toMatchObject({ status: 503, code: 'state_unavailable' });
    expect(failing.query).toHaveBeenCalledTimes(2);
  });
});
