// Headless Chromium for browser tests and benchmarks: Debian's `chromium` package (installed as
// root when missing), driven by playwright-core, which downloads no browser of its own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium executable, or '' when there is none (outside CI, not root). */
    chromiumPath: string;
  }
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** The Chromium executable, installing Debian's package first when it is missing (root only). */
export function ensureChromium(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('Chromium is not installed and this is not root: apt-get install -y chromium');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!apt(['install', '-y', '--no-install-recommends', 'chromium'])) {
    if (!apt(['update']) || !apt(['install', '-y', '--no-install-recommends', 'chromium'])) {
      throw new Error('apt-get install -y chromium failed');
    }
  }
  const path = findChromium();
  if (path === undefined) throw new Error('chromium installed, but no /usr/bin/chromium');
  return path;
}

/** Set to 1, lets the test command pass without Chromium: the browser tests are skipped. */
export const SKIP_BROWSER_VARIABLE = 'EVENTIDE_SKIP_BROWSER';

/**
 * What the browser tests do, given the global setup's `chromiumPath` ('' when there is none):
 * run; or, with no Chromium, fail naming the fix, unless EVENTIDE_SKIP_BROWSER=1 skips them. A
 * missing browser must not pass the test command silently.
 */
export function browserTests(
  chromiumPath: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
):
  | { readonly kind: 'run'; readonly path: string }
  | { readonly kind: 'skip' | 'missing'; readonly why: string } {
  if (chromiumPath !== '') return { kind: 'run', path: chromiumPath };
  if (env[SKIP_BROWSER_VARIABLE] === '1') {
    return { kind: 'skip', why: `Chromium is missing and ${SKIP_BROWSER_VARIABLE}=1: browser tests skipped` };
  }
  return {
    kind: 'missing',
    why: `Chromium is missing, so the browser tests cannot run: apt-get install -y chromium (as root the suite installs it), or set ${SKIP_BROWSER_VARIABLE}=1 to skip them`,
  };
}

/** Launch options for playwright-core's `chromium.launch`. */
export function launchOptions(executablePath: string) {
  // As root Chromium's sandbox cannot start; the pages opened are our own.
  return { executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] };
}
