import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

export const CHROMIUM = process.env.IDS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Browser tests skip with a visible message where there is no Chromium (a fresh clone), unless
 * IDS_REQUIRE_BROWSER=1 (set by .ci/run), which turns a missing browser into a failure.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.IDS_REQUIRE_BROWSER === '1') {
    throw new Error(
      `IDS_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`,
    );
  }
  console.warn(
    `\n  SKIPPED browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set IDS_CHROMIUM)\n`,
  );
  return false;
}

export interface Browser {
  page: Page;
  /** The CDP session that holds the virtual authenticator (WebAuthn.getCredentials, ...). */
  cdp: CDPSession;
  authenticatorId: string;
  close(): Promise<void>;
}

/** Headless Chromium with a CDP virtual authenticator (internal, resident keys, UV). */
export async function launchWithAuthenticator(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ids-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    page,
    cdp,
    authenticatorId,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
