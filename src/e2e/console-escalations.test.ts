import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalPhrase, escalatedWord, escalatingPolicy } from './test-support/escalating-policy.js';
import { browserSkipReason, ensureConsoleBuilt, launchChromium } from './test-support/browser.js';
import { gatewayCall } from './test-support/gateway-call.js';
import { requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';

/**
 * The review queue's escalations in real Chromium: requests a real gateway held for a person
 * (the policy escalates a keyword, and requires approval for another), sent through the official
 * OpenAI SDK, listed newest first with their decision and redacted conversation; a reviewer labels
 * one "should have been delivered" by keyboard, and it shows as a confirmed report with the label
 * the eval export reads. No screenshot: console.test.ts keeps the review page's.
 */

const skip = browserSkipReason();

let gateway: TestGateway;
let policyFile: string;
let browser: Browser;
let page: Page;
/** The held requests' ids, oldest first. */
const held: string[] = [];
const pageErrors: string[] = [];

describe.skipIf(skip !== undefined)('escalations in the console’s review queue', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await ensureConsoleBuilt();
    policyFile = escalatingPolicy();
    gateway = await startTestGateway({ document: { policy: policyFile } });
    const inferenceKey = (await gatewayCall<{ key: string }>(gateway.url, { key: gateway.key, path: '/admin/v1/keys', body: { scopes: ['inference'], name: 'support-bot' } })).body.key;
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: inferenceKey, maxRetries: 0 });
    await client.chat.completions.create({ model: 'palisade-demo', messages: [{ role: 'user', content: 'What are your opening hours?' }] });
    for (const content of [`Should I file a ${escalatedWord} over a late delivery?`, `Please make a ${approvalPhrase} of 40 EUR to the supplier.`, `What does the word ${escalatedWord} mean?`]) {
      const refused = await client.chat.completions.create({ model: 'palisade-demo', messages: [{ role: 'user', content }] }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
      held.push(requestIdOf({ headers: (refused as InstanceType<typeof OpenAI.PermissionDeniedError>).headers }));
    }

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })).newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    rmSync(dirname(policyFile ?? '/nonexistent/x'), { recursive: true, force: true });
  });

  it('lists the held requests newest first, each with its decision and the redacted conversation', async () => {
    await page.goto(`${gateway.url}/ui/review?queue=escalations`);
    await page.getByLabel('Admin key').fill(gateway.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const queue = page.getByRole('list', { name: 'Escalations' });
    await expect.poll(() => queue.getByRole('button').allInnerTexts()).toEqual([
      expect.stringMatching(/^custom\.legal\s+escalate\s/),
      expect.stringMatching(/^custom\.payment\s+require_approval\s/),
      expect.stringMatching(/^custom\.legal\s+escalate\s/),
    ]);
    expect(await page.getByRole('combobox', { name: 'Status' }).count()).toBe(0);

    // The newest is selected: why it was held, and what was asked as the log kept it (redacted).
    const detail = page.getByRole('article').first();
    await expect.poll(() => detail.innerText()).toMatch(/Decision: Held for review on the way in by rule legal-to-counsel \(layer base\): custom_rules found custom\.legal \(score 0\.90\)/);
    expect(await detail.innerText()).toContain(held[2]);
    expect(await page.getByRole('region', { name: 'Conversation' }).innerText()).toMatch(/What does the word \[LEGAL\] mean\?/);
    expect(await page.getByLabel('Category (optional)').inputValue()).toBe('custom.legal');

    await page.keyboard.press('?');
    const keys = await page.locator('#review-keys').innerText();
    expect(keys).toMatch(/a\s+should have been delivered \(confirmed as a wrong block\)/);
    expect(keys).toMatch(/d\s+right to hold \(confirmed as rightly stopped\)/);
  });

  it('labels the newest "should have been delivered" by keyboard, with a reason; it then shows its verdict and a confirmed report', async () => {
    // No verdict without a reason.
    await page.keyboard.press('a');
    await expect.poll(() => page.getByRole('status').innerText()).toMatch(/A verdict needs a reason: press n to write it\./);

    await page.keyboard.press('n');
    await page.keyboard.type('Asking what a word means is not a legal matter.');
    await page.keyboard.press('Escape');
    await page.keyboard.press('a');
    await expect.poll(() => page.getByRole('status').innerText()).toMatch(/^Should have been delivered: report rpt_\S+ confirmed\.$/);
    const reportId = /report (rpt_\S+) confirmed/.exec(await page.getByRole('status').innerText())?.[1] as string;
    // On to the next held request; back with k, the judged one shows its verdict instead of the buttons.
    await expect.poll(() => page.getByRole('article').first().innerText()).toContain(held[1]);
    await page.keyboard.press('k');
    const verdict = page.getByRole('region', { name: 'Verdict' });
    await expect.poll(() => verdict.innerText()).toMatch(/Should have been delivered \(custom\.legal\), by \S+ at .+: “Asking what a word means is not a legal matter\.”/);
    expect(await page.getByRole('button', { name: /Should have been delivered/ }).count()).toBe(0);

    // The reports queue has it, confirmed, with the label the eval export turns into a case that must be allowed.
    await page.getByRole('button', { name: 'User reports' }).click();
    await page.getByLabel('Status').selectOption('confirmed');
    await page.getByRole('list', { name: 'User reports, confirmed' }).getByRole('button', { name: /wrong block/ }).click();
    await expect.poll(() => page.getByRole('article').first().innerText()).toMatch(/should have been allowed \(custom\.legal\); “Asking what a word means is not a legal matter\.”/);
    const report = await gatewayCall<{ status: string; kind: string; request_id: string; label: unknown }>(gateway.url, { key: gateway.key, path: `/admin/v1/reports/${reportId}` });
    expect(report.body).toMatchObject({ status: 'confirmed', kind: 'wrong_block', request_id: held[2], label: { expect: 'allowed', category: 'custom.legal' } });
  });

  it('ran without a content security policy violation or a page error', () => {
    expect(pageErrors).toEqual([]);
  });
});
