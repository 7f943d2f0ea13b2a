/**
 * Builds the three pages (console, widget, draw) into web/dist with Vite, precompresses every
 * script and stylesheet (.br, .gz: the api role serves them as is), and prints each page's
 * first-load JavaScript, compressed, against its budget. Over budget fails the build.
 *
 *   node --import tsx web/build.ts               build
 *   node --import tsx web/build.ts --if-changed  build only when an input changed since the last build
 *
 * Bootstrap runs it with --if-changed, so `npm start` and `npm test` always serve a current build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(WEB, '..');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.build-stamp');

/** First-load JavaScript budgets, bytes compressed (gzip, the larger of the two encodings served). */
export const BUDGETS: Record<string, number> = { console: 400 * 1024, widget: 120 * 1024, draw: 200 * 1024 };

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface PageBudget {
  page: string;
  files: string[];
  rawBytes: number;
  gzipBytes: number;
  brotliBytes: number;
  budgetBytes: number;
  lazyGzipBytes: number;
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** Everything the bundle can depend on: the pages, the server modules they import, the lock file. */
function inputsHash(): string {
  const files = [...walk(WEB), ...walk(join(ROOT, 'src')), join(ROOT, 'package-lock.json')].sort();
  const h = createHash('sha256');
  for (const f of files) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

function gz(b: Buffer): Buffer {
  return gzipSync(b, { level: 9 });
}

function br(b: Buffer): Buffer {
  return brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } });
}

function precompress(): void {
  for (const file of walk(join(DIST, 'assets'))) {
    if (!/\.(js|css|svg|json)$/.test(file)) continue;
    const body = readFileSync(file);
    if (body.length < 1024) continue;
    writeFileSync(`${file}.gz`, gz(body));
    writeFileSync(`${file}.br`, br(body));
  }
}

/** The entry chunk of each page and everything it imports statically: what the browser loads first. */
export function firstLoad(): PageBudget[] {
  const manifest = JSON.parse(readFileSync(join(DIST, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const pages: PageBudget[] = [];
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.isEntry || !key.endsWith('index.html')) continue;
    const page = key.split('/')[0]!;
    const seen = new Set<string>();
    const lazy = new Set<string>();
    const visit = (k: string) => {
      if (seen.has(k)) return;
      seen.add(k);
      const c = manifest[k]!;
      for (const i of c.imports ?? []) visit(i);
      for (const d of c.dynamicImports ?? []) lazy.add(d);
    };
    visit(key);
    const files = [...seen].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
    const bodies = files.map((f) => readFileSync(join(DIST, f)));
    // Lazy: every chunk reachable only through a dynamic import (loaded when a feature is used).
    const lazySeen = new Set<string>();
    const visitLazy = (k: string) => {
      if (seen.has(k) || lazySeen.has(k)) return;
      lazySeen.add(k);
      const c = manifest[k]!;
      for (const i of [...(c.imports ?? []), ...(c.dynamicImports ?? [])]) visitLazy(i);
    };
    for (const k of lazy) visitLazy(k);
    const lazyFiles = [...lazySeen].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
    pages.push({
      page,
      files,
      rawBytes: bodies.reduce((n, b) => n + b.length, 0),
      gzipBytes: bodies.reduce((n, b) => n + gz(b).length, 0),
      brotliBytes: bodies.reduce((n, b) => n + br(b).length, 0),
      budgetBytes: BUDGETS[page] ?? Infinity,
      lazyGzipBytes: lazyFiles.reduce((n, f) => n + gz(readFileSync(join(DIST, f))).length, 0),
    });
  }
  return pages.sort((a, b) => a.page.localeCompare(b.page));
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

export async function buildWeb(options: { ifChanged?: boolean; quiet?: boolean } = {}): Promise<{ built: boolean; pages: PageBudget[] }> {
  const hash = inputsHash();
  const skip = process.env.LAUREL_SKIP_WEB_BUILD === '1' && existsSync(join(DIST, 'budget.json'));
  if (options.ifChanged && existsSync(STAMP) && (skip || readFileSync(STAMP, 'utf8') === hash)) {
    return { built: false, pages: JSON.parse(readFileSync(join(DIST, 'budget.json'), 'utf8')) as PageBudget[] };
  }
  const t0 = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: options.quiet ? 'error' : 'warn' });
  precompress();
  const pages = firstLoad();
  writeFileSync(join(DIST, 'budget.json'), `${JSON.stringify(pages, null, 2)}\n`);
  const say = (line: string) => process.stderr.write(`web: ${line}\n`);
  say(`built console, widget and draw pages in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${relative(ROOT, DIST)}`);
  say('first-load JavaScript (compressed)      gzip      brotli    budget (gzip)   lazy chunks (gzip)');
  const over: string[] = [];
  for (const p of pages) {
    const ok = p.gzipBytes <= p.budgetBytes;
    if (!ok) over.push(p.page);
    say(`  ${p.page.padEnd(36)} ${kb(p.gzipBytes).padStart(9)} ${kb(p.brotliBytes).padStart(10)}   ${kb(p.budgetBytes).padStart(9)} ${ok ? 'ok  ' : 'OVER'}   ${kb(p.lazyGzipBytes).padStart(9)}`);
  }
  if (over.length > 0) throw new Error(`over the JavaScript budget: ${over.join(', ')}`);
  writeFileSync(STAMP, hash);
  return { built: true, pages };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildWeb({ ifChanged: process.argv.includes('--if-changed') }).then(
    ({ built }) => {
      if (!built) process.stderr.write('web: build is current\n');
    },
    (err: unknown) => {
      process.stderr.write(`web: build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
