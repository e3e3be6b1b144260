/**
 * Imported first by the benches: the API's and the worker's JSON logs (platform/log.ts, built when it is
 * first imported) go to stdout, where a bench prints its result lines. A line per request at `info`
 * would also be billed to the server's CPU, unlike the figures of earlier sessions. LOG_LEVEL=info
 * measures with them.
 */
process.env.LOG_LEVEL ??= 'warn';
