import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The browser client module (public/identity-store-client.js), read once at start. */
export const BROWSER_CLIENT_JS = readFileSync(
  join(__dirname, '..', '..', 'public', 'identity-store-client.js'),
  'utf8',
);
