/**
 * The API mode's clients in a process of their own (forked by side-by-side.ts): they receive one job
 * over IPC, run its closed loop, and send back the samples and the CPU this process used, so the server's
 * figures count the server only.
 */
import { apiRunner, closedLoop } from './load';

export interface ClientJob {
  baseUrl: string;
  /** Several API processes (bench/cluster-scale.ts): procedure i starts on the (i mod n)-th. */
  baseUrls?: string[];
  tokens: [string, string][];
  clients: number;
  procedures: number;
  tag: string;
}

process.on('message', (job: ClientJob) => {
  void (async () => {
    const cpu0 = process.cpuUsage();
    const loop = await closedLoop(job.clients, job.procedures, apiRunner(job.baseUrls ?? job.baseUrl, new Map(job.tokens), job.tag));
    const cpu = process.cpuUsage(cpu0);
    process.send?.({ loop, cpuMicros: cpu.user + cpu.system }, () => process.exit(0));
  })().catch((err: unknown) => {
    console.error('[api-clients]', err);
    process.exit(1);
  });
});
