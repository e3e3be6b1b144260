/**
 * The procedure page after a stage command, in Chromium: a command's answer can come before the workflow moves on,
 * and the page must follow it without a reload. A cadre selection's 附会议记录 answers once the committee's vote has
 * closed; the run reaches its public notice (任前公示) only after an activity has computed the notice's days. Here that
 * activity waits until the page has read the procedure once after the answer, so the stage change always comes after
 * that read: a page that reads once after a command keeps showing the decision stage and its commands, one that reads
 * again until the stage moves shows the notice. Its reads never overlap, and they stop when the user leaves the page.
 * Harness: ./browser.ts.
 */
import type { Page, Request } from 'playwright-core';
import { addDays, chinaDateOf } from '../../domain/dates';
import type { NoticePeriod } from '../../procedures/cadre-selection/messages';
import { inboxTask, newKey, useApiStack } from '../helpers/api';
import { eventually, uniqueId } from '../helpers/env';
import { loadCurrentYears } from '../helpers/rectification';
import { describeInBrowser, expectChinese, useConsole, WAIT } from './browser';
import { addSelectionCast, selectionStartBody, inspectionCommand } from '../helpers/selection';

const today = (): string => chinaDateOf(new Date());
/**
 * What the notice's activity waits for: the test resolves it once the page has read the procedure after the command's
 * answer. Past NOTICE_HOLD_MS it goes on regardless, within the activity's own timeout, so the run is never stuck.
 */
let pageReadOnce: Promise<void> = Promise.resolve();
const NOTICE_HOLD_MS = 8_000;

describeInBrowser('console refresh e2e')('web console: the procedure page follows a stage change after a command’s answer (Chromium)', () => {
  jest.setTimeout(300_000);
  let signers = { partySecretary: '', disciplineSecretary: '' };
  const stack = useApiStack(
    async (t) => {
      await loadCurrentYears(t.orm);
      // A committee of three for the selection's vote, two cadres of 市教育局 and its two signers.
      signers = await addSelectionCast(t.orm);
    },
    {
      // The notice's days (their computation has its own tests): a week from today, so the notice stays open through the test.
      computeNoticePeriod: async (input: { fromDate: string; workingDays: number }): Promise<NoticePeriod> => {
        await Promise.race([pageReadOnce, new Promise((resolve) => setTimeout(resolve, NOTICE_HOLD_MS))]);
        return { startDate: addDays(input.fromDate, 1), endDate: addDays(input.fromDate, 7), endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), workingDays: input.workingDays };
      },
    },
  );
  const c = useConsole(() => stack.api.baseUrl);
  const { as } = c;

  const api = async (method: string, url: string, user: string, body?: unknown) =>
    stack.h.call(method, url, { token: await stack.h.login(user), ...(body === undefined ? {} : { key: newKey(), body }) });
  const cmd = async (wf: string, body: unknown) => expect((await api('POST', `/procedures/${wf}/selection`, 'zzb-staff', body)).status).toBe(200);
  const atStage = (wf: string, stage: string) =>
    eventually(async () => ((await api('GET', `/procedures/${wf}`, 'zzb-staff')).body.state?.stage === stage ? true : undefined), WAIT, `${wf} at ${stage}`);
  /** The input of the schema-built field the API names `field`. */
  const input = (page: Page, field: string) => page.locator(`[data-field="${field}"]`).locator('input, textarea').first();
  /** The page's reads of the procedure itself (not its timeline nor its audit chain). */
  const readsOf = (wf: string) => (r: Request) => r.method() === 'GET' && new URL(r.url()).pathname === `/procedures/${wf}`;

  /** A selection through the API up to its committee's vote, every member voted 同意 (the principal last): the minutes end it. */
  async function votedSelection(): Promise<string> {
    const id = uniqueId('xb').slice(0, 20);
    const wf = `selection-${id}`;
    const start = await api('POST', '/procedures/cadreSelection', 'zzb-staff', selectionStartBody(id));
    expect(start.status).toBe(201);
    expect((await api('POST', `/tasks/${await inboxTask(stack.h, 'zzb-head', wf, 'principles')}/actions`, 'zzb-head', { action: 'approve' })).status).toBe(200);
    await atStage(wf, 'nomination');
    await cmd(wf, { action: 'recordNomination', date: today(), meeting: { determined: 30, present: 24, votes: [{ personId: 'T001', votes: 15 }, { personId: 'T002', votes: 9 }] } });
    await cmd(wf, { action: 'setShortlist', personIds: ['T001'], concentratedOpinion: '推荐意见集中于张明' });
    await atStage(wf, 'inspection');
    await cmd(wf, inspectionCommand(['T001']));
    for (const check of ['personnelFile', 'personalMatters', 'disciplineOpinion', 'complaints']) await cmd(wf, { action: 'recordCheck', personId: 'T001', check, result: 'clear' });
    await cmd(wf, { action: 'signIntegrity', personId: 'T001', as: 'partySecretary', signedBy: signers.partySecretary });
    await cmd(wf, { action: 'signIntegrity', personId: 'T001', as: 'disciplineSecretary', signedBy: signers.disciplineSecretary });
    await cmd(wf, { action: 'completeInspection' });
    await atStage(wf, 'decision');
    // The vote step opens just after the stage turns to decision (the recusals are read first): until then the meeting is refused.
    await eventually(async () => {
      const r = await api('POST', `/procedures/${wf}/selection`, 'zzb-staff', { action: 'openMeeting', date: today(), present: ['cw-1', 'cw-2', 'cw-3'] });
      return r.status === 200 ? true : undefined;
    }, WAIT, 'the meeting opened');
    for (const member of ['cw-2', 'cw-3', 'cw-1']) {
      const ballot = { action: 'vote', ballots: [{ candidateId: 'T001', choice: 'agree' }] };
      expect((await api('POST', `/tasks/${await inboxTask(stack.h, member, wf, 'decision')}/actions`, member, ballot)).status).toBe(200);
    }
    return wf;
  }

  test('附会议记录 answers before the run reaches its public notice: the page moves to the notice and its commands by itself, one read at a time', async () => {
    const wf = await votedSelection();
    const staff = await as('zzb-staff', `/procedures/${wf}`);
    const commands = staff.getByTestId('commands');
    await commands.getByTestId('command-attachMinutes').waitFor();
    // The status and stage, as the page's toolbar shows them.
    const stageTag = staff.locator('.toolbar .el-tag', { hasText: '进行中 · ' });
    await stageTag.filter({ hasText: '党委（党组）票决' }).waitFor();

    // The notice's activity is held until the page has read the procedure after the command's answer.
    let release = (): void => undefined;
    pageReadOnce = new Promise((resolve) => (release = resolve));
    let answered = false;
    let inFlight = 0;
    let mostInFlight = 0;
    const isRead = readsOf(wf);
    staff.on('request', (r) => {
      if (!isRead(r)) return;
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
    });
    const settled = (r: Request) => {
      if (isRead(r)) inFlight -= 1;
    };
    staff.on('requestfinished', settled);
    staff.on('requestfailed', settled);
    staff.on('response', (r) => {
      if (r.request().method() === 'POST' && new URL(r.url()).pathname === `/procedures/${wf}/selection`) answered = r.ok();
      else if (answered && isRead(r.request())) release();
    });

    await commands.getByTestId('command-attachMinutes').click();
    await input(staff, 'minutesRef').fill('市委常委会会议纪要〔2026〕31号');
    await staff.getByTestId('command-submit').click();
    await staff.getByText('已附会议记录').first().waitFor();
    // No reload: the page reads again until the run is on its notice, whose commands replace the decision's.
    await commands.getByTestId('command-recordObjection').waitFor();
    await stageTag.filter({ hasText: '任前公示' }).waitFor();
    expect(await commands.getByTestId('command-attachMinutes').count()).toBe(0);
    expect(answered).toBe(true);
    expect(mostInFlight).toBe(1);
    await expectChinese(staff);
    await staff.close();
  });

  test('a command that does not move the stage: the page stops reading once the user has left it', async () => {
    const wf = await votedSelection();
    pageReadOnce = Promise.resolve();
    expect((await api('POST', `/procedures/${wf}/selection`, 'zzb-staff', { action: 'attachMinutes', minutesRef: '市委常委会会议纪要〔2026〕32号' })).status).toBe(200);
    await atStage(wf, 'publicNotice');

    const staff = await as('zzb-staff', `/procedures/${wf}`);
    const commands = staff.getByTestId('commands');
    await commands.getByTestId('command-recordObjection').click();
    await input(staff, 'personId').fill('T001');
    await input(staff, 'text').fill('反映该同志工作作风问题');
    let leftPage = false;
    const afterLeaving: string[] = [];
    const isRead = readsOf(wf);
    staff.on('request', (r) => {
      if (leftPage && isRead(r)) afterLeaving.push(r.url());
    });
    await staff.getByTestId('command-submit').click();
    await staff.getByText('已记录异议').first().waitFor();
    // The objection leaves the notice where it is, so the page would read again for a few seconds: the user leaves first,
    // for a page that reads nothing on its own (the inbox polls its badges: left open by a failed test, it would keep the
    // test's API server from closing).
    await staff.getByRole('link', { name: '工作日历' }).first().click();
    await staff.waitForURL(/#\/calendar/);
    leftPage = true;
    // Longer than the page's interval between reads, well within how long it would go on reading.
    await staff.waitForTimeout(2_000);
    expect(afterLeaving).toEqual([]);
    await staff.close();
  });
});
