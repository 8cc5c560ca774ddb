// Screenshots of the dashboard's main pages for the README (docs/dashboard-*.png), taken in
// Debian's Chromium through playwright-core against a real `symbolon up` with a gateway, a few
// hundred seeded certificates and some traffic through the gateway, allowed and refused.
// Run: node --import tsx scripts/dashboard-screenshots.ts
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { buildDashboard } from './build-dashboard.js';
import { curlStatus, startDashboardFixture, untilLoaded } from '../test/support/dashboard-fixture.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
/** Long enough for `up` to scrape the gateway's metrics a few times. */
const TRAFFIC_ROUNDS = 12;

async function shoot(page: Page, name: string): Promise<void> {
  await untilLoaded(page);
  await page.screenshot({ path: join(DOCS, `dashboard-${name}.png`) });
  console.log(`docs/dashboard-${name}.png`);
}

// up loads the bundle when it starts: build it first.
await buildDashboard();
const fixture = await startDashboardFixture({
  seedCount: 600,
  seedProfiles: ['client', 'server', 'gateway', 'spiffe'],
  scrapeInterval: '1s',
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  for (let round = 0; round < TRAFFIC_ROUNDS; round++) {
    await Promise.all([
      ...Array.from({ length: 3 + (round % 4) }, () => curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.client)),
      ...Array.from({ length: round % 3 }, () => curlStatus(fixture.gatewayUrl, fixture.rootCertPath, fixture.outsider)),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 860 },
    clientCertificates: [
      { origin: fixture.serviceUrl, cert: readFileSync(fixture.admin.certPath), key: readFileSync(fixture.admin.keyPath) },
    ],
  });
  const page = await context.newPage();
  await page.goto(`${fixture.serviceUrl}/ui/#/certificates`);
  await page.getByRole('table').waitFor();
  await shoot(page, 'inventory');
  await page.goto(`${fixture.serviceUrl}/ui/#/certificates/${fixture.client.serial}`);
  await page.getByRole('heading', { level: 1 }).filter({ hasText: 'billing' }).waitFor();
  await shoot(page, 'certificate');
  await page.getByRole('button', { name: 'Revoke…' }).click();
  await page.getByRole('dialog').waitFor();
  await shoot(page, 'revoke');
  await page.goto(`${fixture.serviceUrl}/ui/#/expiry`);
  await page.getByRole('img').first().waitFor();
  await shoot(page, 'expiry');
  await page.goto(`${fixture.serviceUrl}/ui/#/audit`);
  await page.getByRole('table').waitFor();
  await shoot(page, 'audit');
  await page.goto(`${fixture.serviceUrl}/ui/#/gateways`);
  await page.getByRole('img', { name: /Rejections per interval/ }).waitFor();
  await shoot(page, 'gateways');
} finally {
  await browser.close();
  await fixture.stop();
}
