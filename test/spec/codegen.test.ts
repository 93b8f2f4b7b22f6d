// Codegen: the shipped generated files are current, generated code type-checks under strict
// settings for every spec of the corpus, and the types catch what they are for (a wrong
// attribute name, a wrong enum name, a wrong value type).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { CORPUS, ROOT, SHIPPED_FAMILIES } from './family-env.js';
import { generateTypes } from '../../src/spec/codegen.js';
import { findSpecs, loadSpec } from '../../src/spec/load.js';
import { camelName } from '../../src/spec/family-names.js';
import { GENERATED_DIR, GENERATED_IMPORT, generatedFile, generatedIndex } from '../../scripts/families.js';

const SPEC_INDEX = path.join(ROOT, 'src/spec/index.js');

/** Type-checks `files` (name → text) in a temporary folder with the project's strict settings. */
function typecheck(files: Record<string, string>): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'nlkit-codegen-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    const names = Object.entries(files).map(([name, text]) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    });
    const program = ts.createProgram(names, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
      skipLibCheck: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
    });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.startsWith(dir))
      .map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function shippedFamilies(): Promise<string[]> {
  const own = path.join(ROOT, 'specs');
  if (!existsSync(own)) return SHIPPED_FAMILIES;
  return (await findSpecs({ paths: [own] })).filter((s) => s.path.startsWith(own)).map((s) => s.name);
}

test('the shipped generated files are current: npm run gen would write them as they are', async () => {
  const families = await shippedFamilies();
  for (const name of families) {
    const file = path.join(ROOT, generatedFile(name));
    assert.ok(existsSync(file), `${generatedFile(name)} is missing: run npm run gen`);
    const fresh = generateTypes(await loadSpec(name), { importFrom: GENERATED_IMPORT });
    assert.ok(readFileSync(file, 'utf8') === fresh, `${generatedFile(name)} is stale: run npm run gen`);
  }
  const index = readFileSync(path.join(ROOT, GENERATED_DIR, 'index.ts'), 'utf8');
  assert.equal(index, generatedIndex(families.map((n) => ({ name: n, namespace: camelName(n) }))), 'generated/index.ts is stale: run npm run gen');
  const extra = readdirSync(path.join(ROOT, GENERATED_DIR)).filter((f) => f !== 'index.ts' && !families.includes(f.replace(/\.ts$/, '')));
  assert.deepEqual(extra, [], 'generated files of families nlkit does not ship');
});

const FIXTURE = `import { openNetdev } from './netdev.js';
import { openRtLink, type LinkinfoVlanAttrs, type NewlinkRequest } from './rt-link.js';

export async function use(): Promise<void> {
  await using netdev = await openNetdev({ netns: 'x' });
  const dev = await netdev.devGet({ ifindex: 1 });
  const features: Array<string | bigint> | undefined = dev.xdpFeatures;
  for await (const d of netdev.devGetDump()) void d.ifindex;
  const all = await netdev.devGetDump().toArray();
  void all[0]?.xskFeatures;
  for await (const e of netdev.subscribe('mgmt')) {
    if (e.kind === 'notification' && e.name === 'dev-add-ntf') void e.msg.ifindex;
  }
  // @ts-expect-error a wrong attribute name is a type error
  await netdev.devGet({ ifindexx: 1 });
  // @ts-expect-error a number where the spec says u32 is fine, a string is not
  await netdev.devGet({ ifindex: '1' });
  // @ts-expect-error a group the spec does not have
  netdev.subscribe('no-such-group');
  // @ts-expect-error an operation the family does not have
  await netdev.devSet({ ifindex: 1 });
  void features;

  await using link = await openRtLink();
  const req: NewlinkRequest = { ifname: 'vl0', linkinfo: { kind: 'vlan', data: { id: 5 } } };
  await link.newlink(req, { flags: ['create', 'excl'] });
  const vlan: LinkinfoVlanAttrs = { id: 5 };
  // @ts-expect-error a wrong name inside a nest
  const bad: NewlinkRequest = { linkinfo: { kind: 'vlan', date: vlan } };
  // @ts-expect-error a flag name the spec does not list
  const op: NewlinkRequest = { ifiFlags: ['up', 'sideways'] };
  const l = await link.getlink({ ifname: 'lo' });
  const index: number = l.ifiIndex;
  void [bad, op, index];
}
`;

test('generated types compile under strict settings and reject wrong names and types', async (t) => {
  if (!CORPUS && !existsSync(path.join(ROOT, 'specs'))) return t.skip('no specs to generate from');
  const files = {
    'netdev.ts': generateTypes(await loadSpec('netdev'), { importFrom: SPEC_INDEX }),
    'rt-link.ts': generateTypes(await loadSpec('rt-link'), { importFrom: SPEC_INDEX }),
    'use.ts': FIXTURE,
  };
  assert.deepEqual(typecheck(files), []);
  // Without the directives, each marked line is an error of its own.
  const bare = FIXTURE.replace(/^\s*\/\/ @ts-expect-error.*\n/gm, '');
  const errors = typecheck({ ...files, 'use.ts': bare });
  assert.equal(errors.length, 6, errors.join('\n'));
  assert.ok(errors.some((e) => /'ifindexx' does not exist/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /'date' does not exist/.test(e)), errors.join('\n'));
  assert.ok(errors.some((e) => /'"sideways"' is not assignable/.test(e)), errors.join('\n'));
});

test('every spec of the kernel corpus generates code that type-checks', async (t) => {
  if (!CORPUS) return t.skip('the kernel spec corpus (../shared/ynl/specs) is not here');
  const files: Record<string, string> = {};
  for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.yaml'))) {
    files[f.replace(/\.yaml$/, '.ts')] = generateTypes(await loadSpec(path.join(CORPUS, f)), { importFrom: SPEC_INDEX });
  }
  assert.ok(Object.keys(files).length >= 30);
  assert.deepEqual(typecheck(files), []);
});

test('value types follow the design table', async (t) => {
  if (!CORPUS && !existsSync(path.join(ROOT, 'specs'))) return t.skip('no specs to generate from');
  const link = generateTypes(await loadSpec('rt-link'), { importFrom: 'nlkit' });
  assert.match(link, /^import \{ openFamily, .* \} from 'nlkit';$/m);
  // struct fields in camelCase, required in replies
  assert.match(link, /export interface Ifinfomsg \{[^}]*\n {2}ifiIndex: number;/);
  // binary with a mac display hint is a string, u64 a bigint, a string a string
  const linkAttrs = /export interface LinkAttrs \{([\s\S]*?)\n\}/.exec(link)![1]!;
  assert.match(linkAttrs, /\n {2}address\?: string;/);
  assert.match(linkAttrs, /\n {2}ifname\?: string;/);
  assert.match(linkAttrs, /\n {2}linkinfo\?: LinkinfoAttrs;/);
  assert.match(linkAttrs, /\n {2}\$unknown\?: \{ type: number; data: Uint8Array \}\[\];/);
  // a sub-message is the union of its formats
  assert.match(link, /export type LinkinfoDataMsg = [^;]*LinkinfoVlanAttrs/);
  const netdev = generateTypes(await loadSpec('netdev'), { importFrom: 'nlkit' });
  // enums are string unions; decoded values may be unknown numbers; flags are arrays
  assert.match(netdev, /export type QueueType = 'rx' \| 'tx';/);
  assert.match(netdev, /\n {2}type\?: QueueType \| number;/);
  assert.match(netdev, /\n {2}xdpFeatures\?: Array<XdpAct \| bigint>;/);
  assert.match(netdev, /\n {2}devGetDump\(request\?: [^)]*\): FamilyDump<DevGetDumpReply>;/);
  assert.match(netdev, /export function openNetdev\(opts\?: OpenFamilyOptions\): Promise<NetdevFamily> \{\n {2}return openFamily<NetdevMethods>\('netdev', opts\);/);
  assert.match(netdev, /FamilyNotification<'dev-add-ntf', DevGetReply>/);
});
