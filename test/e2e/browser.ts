/**
 * The browser tests' harness: Debian's Chromium (/usr/bin/chromium) driven by playwright-core against the API
 * stack of the API tests, which serves the built console at / (built first when web/dist is missing or
 * stale). Each test file calls useConsole() inside its describe; screenshots of a screen at desktop and phone
 * size go to screenshots/console/ (gitignored; README, Web console).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { hasEnglish } from '../../web/src/labels';
import { ensureConsoleBuilt } from '../../web/scripts/build';

export const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
/** describe, or describe.skip with a message when Chromium is absent (.ci/run installs it, so CI never skips). */
export function describeInBrowser(name: string): jest.Describe {
  if (!hasChromium) console.warn(`[${name}] SKIPPED: ${CHROMIUM} is absent (apt-get install -y chromium fonts-noto-cjk; .ci/run does)`);
  return hasChromium ? describe : describe.skip;
}

export const SHOTS = path.join(__dirname, '..', '..', 'screenshots', 'console');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const WAIT = 45_000;

/** Where the console shows a refusal or a notice: a field's error, an alert, a message. */
const MESSAGES = '.el-form-item__error, .el-alert__title, .el-message__content, [role="alert"]';
/**
 * The messages on the page now, each checked to have no English word (labels.ts hasEnglish: an id such as
 * T1/GB9101 is not a word). Returns them, so a test can also say which one it expects.
 */
export async function expectChinese(page: Page): Promise<string[]> {
  const texts = (await page.locator(MESSAGES).evaluateAll((els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).map((e) => (e.textContent ?? '').trim()))).filter(Boolean);
  expect(texts.filter(hasEnglish)).toEqual([]);
  return texts;
}

/**
 * Opens the Element Plus select whose box is `box` and clicks `option` in its own list (the list its combobox
 * controls): a select opened just before may still be fading out with the same option, and a click there
 * never lands.
 */
export async function pickOption(page: Page, box: Locator, option: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await box.click();
    const list = await box.getByRole('combobox').first().getAttribute('aria-controls');
    const item = page.locator(`[id="${list ?? ''}"] .el-select-dropdown__item`, { hasText: option }).first();
    await item.click();
    // Under load a click on an option that is still opening can be lost (CI saw the select left empty): the
    // option is chosen once its list marks it selected; if not, the list is closed and the pick made again.
    const chosen = await item
      .and(page.locator('.is-selected'))
      .waitFor({ state: 'attached', timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (chosen) return;
    if (attempt >= 3) throw new Error(`the option ${option} was clicked ${attempt} times and never chosen`);
    await page.keyboard.press('Escape');
  }
}

/**
 * Submits the start form and waits for the procedure's page. A form the page refused (a field's error, or the
 * alert above the button) fails with the fields and messages shown, instead of a bare timeout on the address:
 * under load the cause is otherwise lost. A refusal counts once the button has stopped loading and the
 * messages have stayed for three looks in a row (half a second apart), so an earlier submit's messages,
 * still fading out, are not taken for this one's.
 */
export async function submitStart(page: Page, url: RegExp): Promise<void> {
  const button = page.getByTestId('start-submit');
  await button.click();
  const refusals = page.locator('[data-testid="start-form"] .el-form-item__error, [data-testid="start-error"]');
  const deadline = Date.now() + WAIT;
  let seen = 0;
  while (Date.now() < deadline) {
    if (url.test(page.url())) return;
    // Counted, not awaited: once the page has moved on the button is gone, and a wait for it would hang.
    const settled = (await page.locator('[data-testid="start-submit"].is-loading').count()) === 0;
    seen = settled && (await refusals.count()) > 0 ? seen + 1 : 0;
    if (seen >= 3) {
      const shown = await refusals.evaluateAll((els) =>
        els.map((e) => `${(e.closest('[data-field]') as unknown as { dataset?: { field?: string } } | null)?.dataset?.field ?? 'form'}: ${(e.textContent ?? '').trim()}`),
      );
      throw new Error(`the start form was refused: ${shown.join('; ')}`);
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`the start form's page did not open within ${WAIT} ms (now at ${page.url()})`);
}

/**
 * What does not fit the screen's width: every element of the page whose box goes past the window's left or
 * right edge, and the document's width against the window's (more means the page scrolls sideways).
 */
/** The people import's header row (干部名册, as staff export it from their roster). */
const ROSTER_HEADER = '编号,姓名,性别,出生日期,单位,现任职务,现职级,任现职级时间,参加工作时间,基层工作年限,学历,入党时间,最近提拔时间,是否破格';

/** A roster file (干部名册.csv) of these rows under the import's header, in a fresh temp directory, for a file input. */
export function rosterFile(rows: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-import-')), '干部名册.csv');
  fs.writeFileSync(file, [ROSTER_HEADER, ...rows].join('\n'));
  return file;
}

export async function sideways(page: Page): Promise<{ width: number; scrollWidth: number; past: string[] }> {
  return page.evaluate(() => {
    // In the page (the tests' TypeScript has no DOM library): every element's box against the window's width.
    type El = { getBoundingClientRect(): { left: number; right: number; width: number }; className: unknown; tagName: string };
    const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): Iterable<El> } };
    const past = [...w.document.querySelectorAll('.page *')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.left < 0 || r.right > w.innerWidth + 0.5);
      })
      .map((e) => `${e.tagName}.${String(e.className)}`);
    return { width: w.innerWidth, scrollWidth: w.document.documentElement.scrollWidth, past };
  });
}

/** The page at phone width fits it: nothing past the screen's edge, no sideways scroll. */
export async function expectFitsPhone(page: Page): Promise<void> {
  const fit = await sideways(page);
  expect(fit.width).toBe(PHONE.width);
  expect(fit.past).toEqual([]);
  expect(fit.scrollWidth).toBeLessThanOrEqual(fit.width);
}

/** The control is on the screen, whole, at the page's current scroll: inside the window's width and height once scrolled to. */
export async function expectOnScreen(page: Page, control: Locator): Promise<void> {
  await control.scrollIntoViewIfNeeded();
  const box = await control.boundingBox();
  const view = page.viewportSize();
  expect(box).not.toBeNull();
  expect(box!.width).toBeGreaterThan(0);
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(view!.width + 0.5);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(view!.height + 0.5);
}

export interface ConsoleDriver {
  readonly ctx: BrowserContext;
  readonly base: string;
  /** Both sizes of the screen as it is now. */
  shot: (page: Page, name: string) => Promise<void>;
  /** A page (its own sessionStorage, so its own session) logged in as `user`, at `hash`. */
  as: (user: string, hash?: string) => Promise<Page>;
  /** Picks `option` in the Element Plus select labelled `label`. */
  choose: (page: Page, label: string, option: string) => Promise<void>;
  /** Opens my task on a procedure whose title contains `title`, from a freshly loaded inbox. */
  openTask: (page: Page, title: string) => Promise<void>;
  /** Chooses the action, fills the form through `fill`, submits, and waits to be back at the inbox. */
  act: (page: Page, action: string, fill?: () => Promise<void>) => Promise<void>;
}

/** A Chromium context for the describe block, against the API at baseUrl() (read once the stack is up). */
export function useConsole(baseUrl: () => string): ConsoleDriver {
  const d = {} as { ctx: BrowserContext; base: string };
  beforeAll(async () => {
    await ensureConsoleBuilt((l) => console.log(l));
    fs.mkdirSync(SHOTS, { recursive: true });
    d.ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'tingjin-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: DESKTOP,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    d.ctx.setDefaultTimeout(WAIT);
    d.base = baseUrl();
  }, 240_000);
  afterAll(async () => {
    await d.ctx?.close();
  });

  const driver: ConsoleDriver = {
    get ctx() {
      return d.ctx;
    },
    get base() {
      return d.base;
    },
    shot: async (page, name) => {
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(150);
      await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
    },
    as: async (user, hash = '/inbox') => {
      const page = await d.ctx.newPage();
      page.on('pageerror', (e) => console.error(`[${user}] page error:`, e.message));
      await page.goto(`${d.base}/#/login?redirect=${encodeURIComponent(hash)}`);
      await page.getByLabel('用户名').fill(user);
      await page.getByLabel('密码').fill('tingjin2026');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByTestId('current-user').waitFor();
      return page;
    },
    choose: async (page, label, option) => {
      // The select's own box takes the click (its placeholder covers the input).
      await pickOption(page, page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: label, exact: true }) }), option);
    },
    openTask: async (page, title) => {
      // A fresh load: the list must not depend on a poll's timing on a busy machine (the badge has its own check).
      await page.goto(`${d.base}/#/inbox`);
      await page.reload();
      const link = page.getByTestId('inbox-table').getByRole('link', { name: title }).first();
      await link.waitFor();
      await link.click();
      await page.getByTestId('act-form').waitFor();
    },
    act: async (page, action, fill = async () => undefined) => {
      await page.getByTestId(`action-${action}`).click();
      await fill();
      await page.getByTestId('act-submit').click();
      await page.waitForURL(/#\/inbox/);
    },
  };
  return driver;
}
