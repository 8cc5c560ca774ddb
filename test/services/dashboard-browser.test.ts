import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.js';
import { curlStatus, startDashboardFixture, untilLoaded } from '../support/dashboard-fixture.js';
import type { DashboardFixture, IssuedFiles } from '../support/dashboard-fixture.js';

// The dashboard in Debian's Chromium (never a downloaded browser), driven by playwright-core,
// against a real `symbolon up` with a gateway, presenting client certificates the CA issued.

const SEEDED = 10_000;
/** Bounds: the CA, 10,000 seeded records and up start in seconds; each test drives a few pages. */
const BEFORE_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 90_000;
let fixture: DashboardFixture;
let browser: Browser;
/** A seeded certificate the search must find among the others. */
let needle: { readonly serial: string; readonly subject: string };
const contexts: BrowserContext[] = [];

before(
  async () => {
    await buildDashboard();
    fixture = await startDashboardFixture({ seedCount: SEEDED, seedRevokeEvery: 0 });
    needle = fixture.seeded[Math.floor(SEEDED * 0.73)]!;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  },
  { timeout: BEFORE_TIMEOUT_MS },
);

after(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await fixture?.stop();
});

/**
 * A browser context presenting `certificate` to the service listener. The listener's server
 * certificate chains to the CA's root, which this Chromium profile does not trust: the check is
 * waived here, and curl checks the same listener with --cacert below.
 */
async function contextWith(certificate: IssuedFiles | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    ...(certificate === undefined
      ? {}
      : {
          clientCertificates: [
            { origin: fixture.serviceUrl, cert: readFileSync(certificate.certPath), key: readFileSync(certificate.keyPath) },
          ],
        }),
  });
  context.setDefaultTimeout(20_000);
  contexts.push(context);
  return context;
}

/** A page that records what the browser complains about (a CSP violation, a failed script). */
async function openPage(context: BrowserContext): Promise<{ page: Page; complaints: string[] }> {
  const page = await context.newPage();
  const complaints: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') complaints.push(message.text());
  });
  page.on('pageerror', (error) => complaints.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) complaints.push(`${response.status()} ${response.url()}`);
  });
  return { page, complaints };
}

test('with an admin certificate every page loads, without an error or a CSP violation', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, complaints } = await openPage(await contextWith(fixture.admin));
  const response = await page.goto(`${fixture.serviceUrl}/ui/`);
  assert.equal(response?.status(), 200);
  assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor();
  await page.getByRole('table').getByRole('row').nth(1).waitFor();
  for (const [link, heading] of [
    ['Expiry', 'Expiry'],
    ['Tokens and approvals', 'Enrollment tokens and approvals'],
    ['OAuth clients', 'OAuth clients'],
    ['Audit log', 'Audit log'],
    ['Gateways', 'Gateway health'],
    ['Certificates', 'Certificates'],
  ] as const) {
    await page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await untilLoaded(page);
    assert.equal(
      await page.getByRole('alert').count(),
      0,
      `${heading}: ${await page
        .getByRole('alert')
        .allTextContents()
        .then((texts) => texts.join('; '))}`,
    );
  }
  await page.getByRole('navigation').getByRole('link', { name: 'Expiry' }).click();
  await page.getByRole('img', { name: /Certificates expiring per day over the next 90 days/ }).waitFor();
  // A profile in the table opens the inventory filtered to it.
  await page.getByRole('rowheader').getByRole('link', { name: 'server' }).click();
  await page.getByRole('heading', { level: 1, name: 'Certificates' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Profile' }).inputValue(), 'server');
  await untilLoaded(page);
  assert.deepEqual(
    new Set(await page.getByRole('table').getByRole('row').locator('td:nth-child(3)').allTextContents()),
    new Set(['server']),
  );
  await page.getByRole('navigation').getByRole('link', { name: 'Expiry' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
  await page.getByText('Hash chain intact').waitFor();
  // The page shows each gateway the API reports (up runs one here), or says there is none.
  const reported = (await (await page.request.get(`${fixture.serviceUrl}/api/gateways`)).json()) as { gateways: { name: string }[] };
  await page.getByRole('navigation').getByRole('link', { name: 'Gateways' }).click();
  for (const gateway of reported.gateways)
    await page.getByRole('heading', { level: 2, name: new RegExp(`^${gateway.name} (up|down)$`) }).waitFor();
  if (reported.gateways.length === 0) await page.getByText('No gateway runs with this CA').waitFor();
  assert.deepEqual(complaints, []);
});

test(
  `search finds one certificate among ${SEEDED} seeded, and its detail shows its fields, chain and downloads`,
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const { page, complaints } = await openPage(await contextWith(fixture.admin));
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates`);
    // The list comes in cursor pages: the next one is appended, none repeated.
    await page.getByRole('status').filter({ hasText: '100 certificates shown, more below.' }).waitFor();
    await page.getByRole('button', { name: 'Load 100 more' }).click();
    await page.getByRole('status').filter({ hasText: '200 certificates shown, more below.' }).waitFor();
    const links = await page.getByRole('table').getByRole('link').all();
    const serials = await Promise.all(links.map((link) => link.getAttribute('href')));
    assert.equal(new Set(serials).size, 200);
    await page.getByRole('searchbox', { name: 'Search' }).fill(needle.serial);
    await page.getByRole('status').filter({ hasText: '1 certificate shown.' }).waitFor();
    // The address carries the filters: a reload (or a bookmark) shows the same list.
    assert.ok(page.url().endsWith(`#/certificates?q=${needle.serial}`), page.url());
    await page.reload();
    await page.getByRole('status').filter({ hasText: '1 certificate shown.' }).waitFor();
    await page.getByRole('table').getByRole('link').first().click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: needle.subject }).waitFor();
    await page.getByText('Serial').first().waitFor();
    assert.ok((await page.getByRole('group').count()) >= 2, 'the chain lists the certificate and its issuers');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'PEM', exact: true }).click();
    const pem = readFileSync(await (await download).path(), 'utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
    assert.deepEqual(complaints, []);
  },
);

test(
  'a certificate revoked through the dashboard, with its confirmation step, is refused by the gateway afterwards',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    assert.equal(await curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.client), 200, 'the route allows it before');
    const { page } = await openPage(await contextWith(fixture.admin));
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates/${fixture.client.serial}`);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'billing' }).waitFor();
    await page.getByRole('combobox', { name: 'Reason' }).selectOption('keyCompromise');
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this certificate?' });
    await dialog.waitFor();
    // Nothing is revoked before the confirmation: cancelling leaves the certificate valid.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.client), 200, 'cancelling revoked nothing');
    await page.getByRole('button', { name: 'Revoke…' }).click();
    await dialog.getByRole('button', { name: 'Revoke certificate' }).click();
    await page.getByText('Revoked', { exact: false }).filter({ hasText: 'keyCompromise' }).waitFor();
    // The feed delivers the revocation to the gateway at once; allow it a bounded moment.
    let status = 200;
    for (let attempt = 0; attempt < 40 && status === 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.client);
    }
    assert.notEqual(status, 200, 'the gateway still lets the revoked certificate through');
    assert.equal(await curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.outsider), 403, 'the route judges others as before');
  },
);

test('a certificate of another profile, or none, gets no dashboard and no data', { timeout: TEST_TIMEOUT_MS }, async () => {
  for (const certificate of [fixture.outsider, undefined]) {
    const { page } = await openPage(await contextWith(certificate));
    const ui = await page.goto(`${fixture.serviceUrl}/ui/`);
    assert.equal(ui?.status(), certificate === undefined ? 401 : 403);
    assert.equal(await page.locator('script').count(), 0, 'no dashboard script was served');
    const api = await page.goto(`${fixture.serviceUrl}/api/certificates?limit=5`);
    assert.equal(api?.status(), certificate === undefined ? 401 : 403);
    const body = await api.text();
    assert.match(body, /urn:symbolon:error:/);
    assert.doesNotMatch(body, /"serial"/);
  }
  assert.equal(await curlStatus(`${fixture.serviceUrl}/api/certificates`, fixture.rootCertPath, fixture.outsider), 403);
});

test(
  'the revoke step works from the keyboard alone: the dialog takes focus, Escape cancels and gives it back, Enter confirms',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const target = fixture.seeded.find((record) => !record.isRevoked && record.notAfter.getTime() > Date.now() + 86_400_000)!;
    const { page, complaints } = await openPage(await contextWith(fixture.admin));
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates/${target.serial}`);
    const reason = page.getByRole('combobox', { name: 'Reason' });
    await reason.focus();
    await reason.selectOption('superseded');
    await page.keyboard.press('Tab');
    assert.equal(await page.locator(':focus').textContent(), 'Revoke…');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Revoke this certificate?' });
    await dialog.waitFor();
    assert.equal(await dialog.locator(':focus').count(), 1, 'focus moved into the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.locator(':focus').textContent(), 'Revoke…', 'focus went back to what opened the dialog');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Revoke certificate' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Revoked', { exact: false }).filter({ hasText: 'superseded' }).waitFor();
    const detail = (await (await page.request.get(`${fixture.serviceUrl}/api/certificates/${target.serial}`)).json()) as {
      status: string;
      revocationReason: string;
    };
    assert.deepEqual([detail.status, detail.revocationReason], ['revoked', 'superseded']);
    assert.deepEqual(complaints, []);
  },
);

test(
  'an enrollment token made in the dashboard shows its secret once, and is revoked after a confirmation',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const { page, complaints } = await openPage(await contextWith(fixture.admin));
    await page.goto(`${fixture.serviceUrl}/ui/#/tokens`);
    await page.getByRole('textbox', { name: 'Names (globs)' }).fill('sensor-*.test');
    await page.getByRole('textbox', { name: 'Profile' }).fill('client');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('code.secret').textContent();
    assert.match(secret ?? '', /^[0-9a-f]{16}:\S+$/);
    const id = secret!.split(':')[0]!;
    const row = page.getByRole('row').filter({ hasText: id });
    await row.getByRole('cell', { name: 'usable' }).waitFor();
    await row.getByRole('button', { name: `Revoke token ${id}` }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke token' }).click();
    await row.getByRole('cell', { name: 'revoked' }).waitFor();
    assert.deepEqual(complaints, []);
  },
);

test(
  'an OAuth client registered through the API is listed in the dashboard, and removed after a confirmation',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const { page, complaints } = await openPage(await contextWith(fixture.admin));
    const made = await page.request.post(`${fixture.serviceUrl}/api/oauth/clients`, {
      data: { id: 'reports.svc', sanDns: 'reports.example', scopes: ['read'], audiences: ['https://api.example'] },
    });
    assert.equal(made.status(), 201, await made.text());
    await page.goto(`${fixture.serviceUrl}/ui/#/oauth-clients`);
    const row = page.getByRole('row').filter({ hasText: 'reports.svc' });
    await row.getByRole('cell', { name: 'san_dns reports.example' }).waitFor();
    const remove = row.getByRole('button', { name: 'Remove OAuth client reports.svc' });
    const dialog = page.getByRole('dialog', { name: 'Remove this OAuth client?' });
    // Nothing is removed before the confirmation: cancelling leaves the client registered.
    await remove.click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(
      (await page.request.get(`${fixture.serviceUrl}/api/oauth/clients/reports.svc`)).status(),
      200,
      'cancelling removed nothing',
    );
    await remove.click();
    await dialog.getByRole('button', { name: 'Remove client' }).click();
    await row.waitFor({ state: 'detached' });
    const gone = await page.request.get(`${fixture.serviceUrl}/api/oauth/clients/reports.svc`);
    assert.equal(gone.status(), 404);
    assert.deepEqual(complaints, []);
  },
);

/** Asks EST for an admin certificate with the token `id:secret`: the HTTP status (202 while it waits for approval). */
function enrollAdmin(token: string, csrFile: string): number {
  const result = spawnSync(
    'curl',
    [
      '-sS',
      '--max-time',
      '10',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      fixture.rootCertPath,
      '-u',
      token,
      '-H',
      'Content-Type: application/pkcs10',
      '--data-binary',
      `@${csrFile}`,
      `${fixture.serviceUrl}/.well-known/est/admin/simpleenroll`,
    ],
    { encoding: 'utf8' },
  );
  return Number(result.stdout.trim());
}

test('an enrollment held for approval is approved in the dashboard, and EST then issues it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { page, complaints } = await openPage(await contextWith(fixture.admin));
  const made = await page.request.post(`${fixture.serviceUrl}/api/tokens`, { data: { names: ['ops-bob'], profile: 'admin' } });
  assert.equal(made.status(), 201);
  const { id, secret } = (await made.json()) as { id: string; secret: string };
  const der = spawnSync('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(fixture.dir, '..', 'bob.key'),
    '-subj',
    '/CN=ops-bob',
    '-outform',
    'DER',
  ]).stdout;
  const csrFile = join(fixture.dir, '..', 'bob.b64');
  writeFileSync(csrFile, der.toString('base64'));
  assert.equal(enrollAdmin(`${id}:${secret}`, csrFile), 202, 'the admin profile holds EST enrollments for approval');
  await page.goto(`${fixture.serviceUrl}/ui/#/tokens`);
  await page.getByRole('button', { name: 'Approve CN=ops-bob' }).click();
  await page.getByText('No enrollment is waiting.').waitFor();
  assert.equal(enrollAdmin(`${id}:${secret}`, csrFile), 200, 'the approved enrollment is issued');
  assert.deepEqual(complaints, []);
});

test(
  'a malformed or unknown address in the dashboard is a message on the page, never a broken page',
  { timeout: TEST_TIMEOUT_MS },
  async () => {
    const page = await (await contextWith(fixture.admin)).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates/%E0%A4%A`);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    await page.goto(`${fixture.serviceUrl}/ui/#/no-such-page`);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates/${'f'.repeat(40)}`);
    await page.getByRole('alert').filter({ hasText: 'The API refused' }).waitFor();
    await page.goto(`${fixture.serviceUrl}/ui/#/certificates/not-hex%3Cscript%3E`);
    await page.getByRole('alert').filter({ hasText: 'The API refused' }).waitFor();
    assert.equal(await page.locator('script:not([src])').count(), 0, 'nothing from the address became markup');
    assert.deepEqual(pageErrors, []);
  },
);
