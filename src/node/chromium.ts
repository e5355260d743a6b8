/**
 * Headless Chromium for GPU tests and benchmarks: Debian's /usr/bin/chromium driven by
 * puppeteer-core, WebGPU on, pages served from 127.0.0.1 (navigator.gpu needs a secure context).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  // Benchmarks need real timestamp resolution (Dawn quantises to 100 us by default).
  '--enable-webgpu-developer-features',
  '--disable-dawn-features=timestamp_quantization',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run 'apt-get install -y chromium libvulkan1' (or set CHROMIUM_PATH)`);
  }
  // A real GPU machine keeps Chromium's own adapter choice; without one, SwiftShader is the adapter.
  const flags = process.env.ORTHOSPARSE_CHROMIUM_GPU ? CHROMIUM_FLAGS.filter((f) => !f.includes('swiftshader')) : CHROMIUM_FLAGS;
  // Loaded on demand: only browser runs need puppeteer-core (a dev dependency).
  const { default: puppeteer } = await import('puppeteer-core');
  return puppeteer.launch({ executablePath: CHROMIUM_PATH, args: flags, headless: true, protocolTimeout: 600_000 });
}

export interface StaticFile {
  type: string;
  body: string | Uint8Array;
}

/** Serve in-memory files on 127.0.0.1 at a free port; `files` may be extended while serving. */
export async function serveFiles(files: Map<string, StaticFile>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** A page that loads one ES module bundle. */
export function modulePage(title: string, script = '/bundle.js'): StaticFile {
  return {
    type: 'text/html',
    body: `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="${script}"></script>`,
  };
}

/**
 * Serve `files` plus a page at '/' that loads /bundle.js, open it in a fresh headless Chromium,
 * wait until the bundle has defined `readyGlobal`, run `use`, then close browser and server.
 * `prepare` runs on the page before it loads (console and error handlers, exposed functions).
 */
export async function withChromiumPage<T>(
  opts: { title: string; files: Map<string, StaticFile>; readyGlobal: string; prepare?: (page: Page) => Promise<void> | void },
  use: (page: Page) => Promise<T>,
): Promise<T> {
  const files = new Map(opts.files);
  files.set('/', modulePage(opts.title));
  const { url, server } = await serveFiles(files);
  try {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await opts.prepare?.(page);
      await page.goto(url);
      await page.waitForFunction(`globalThis.${opts.readyGlobal} !== undefined`, { timeout: 60_000 });
      return await use(page);
    } finally {
      await browser.close();
    }
  } finally {
    server.close();
  }
}
