/**
 * The browser side of the GPU test harness: bundled with the library and every case family, loaded
 * by a page on 127.0.0.1; puppeteer calls window.orthosparseTests.run(family, case, params).
 */
import { createContext, type Context } from '../../src/gpu/context.js';
import { caseFamilies, type FamilyName } from '../cases/index.js';
import { decode, encode, encodeError, type Tagged } from './wire.js';

let context: Promise<Context> | undefined;

async function run(family: FamilyName, name: string, params: Tagged): Promise<Tagged> {
  try {
    const fn = (caseFamilies[family] as Record<string, (ctx: Context, p: unknown) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`no GPU case ${family}.${name}`);
    context ??= createContext();
    return encode(await fn(await context, decode(params)));
  } catch (error) {
    return encodeError(error);
  }
}

async function adapter(): Promise<string> {
  context ??= createContext();
  return (await context).adapterName;
}

(globalThis as Record<string, unknown>).orthosparseTests = { run, adapter };
