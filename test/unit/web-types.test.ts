/**
 * The console's generated files (web/src/api-types.ts, web/src/start-schemas.json) match the API's OpenAPI
 * document as it is now: a schema changed without `npm run web:types` fails here, before the console is built
 * against old types or checks its forms against an old schema. The generator runs in its own process (under
 * tsx, as `npm run web:types` runs it: openapi-typescript loads ES modules Jest cannot) and writes into a
 * temporary folder; the committed files are left alone.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const API_TYPES = path.join(ROOT, 'web', 'src', 'api-types.ts');
const START_SCHEMAS = path.join(ROOT, 'web', 'src', 'start-schemas.json');

describe('the console’s generated API types', () => {
  test('web/src/api-types.ts and start-schemas.json are what `npm run web:types` writes now', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-web-types-'));
    try {
      execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(ROOT, 'web', 'scripts', 'types.ts'), '--out', dir], { stdio: 'pipe' });
      const stale = [API_TYPES, START_SCHEMAS].filter((file) => fs.readFileSync(file, 'utf8') !== fs.readFileSync(path.join(dir, path.basename(file)), 'utf8')).map((file) => path.relative(ROOT, file));
      // Stale: run `npm run web:types` and commit what it writes with the schema change.
      expect(stale).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
