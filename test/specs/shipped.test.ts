// Conformance of every spec nlkit ships (specs/*.yaml) with three outside authorities:
//   1. the kernel's JSON schema for its protocol (../shared/ynl/schemas),
//   2. the uAPI headers installed on this machine (what gcc prints for each constant),
//   3. the running kernel: nlctrl's family list and per-op policy dumps.
// The spec engine is not used: the counting rules are applied independently in helpers/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { GenlController, NETLINK_GENERIC, NetlinkError, NetlinkSocket, genlAttributes, genlDump, genlHeader, type GenlFamily, type NetlinkMessage } from '../../src/index.js';
import { sh, useNetns } from '../helpers/netns.js';
import { readSchema, readYaml, schemaDir, specFiles, specsDir } from './helpers/files.js';
import { findSet, isGenl, operationValues, type RawSpec } from './helpers/raw-spec.js';
import { checkAttributes, unlisted } from './helpers/kernel-messages.js';
import { populateNetns, stirNetns } from './helpers/populate.js';
import { specConstants } from './helpers/c-names.js';
import { gccAvailable, probeConstants, sameValue } from './helpers/c-probe.js';
import { compareWithKernel } from './helpers/kernel-policy.js';
import { referenceProblems } from './helpers/references.js';

const files = specFiles();
const schemas = schemaDir();
const validators = new Map<string, ValidateFunction>();

function validatorFor(protocol: string): ValidateFunction {
  let v = validators.get(protocol);
  if (!v) {
    const schema = readSchema(path.join(schemas!, `${protocol}.yaml`));
    // The kernel's schemas name draft-07 by an https URI ajv does not know; the content is draft-07.
    delete schema.$schema;
    v = new Ajv({ allErrors: true, strict: false }).compile(schema);
    validators.set(protocol, v);
  }
  return v;
}

const ns = useNetns('nlkit-specs');
let ctrl: GenlController | undefined;
let genlNames: string[] = [];

before(async () => {
  populateNetns(ns.name);
  ctrl = await GenlController.open({ netns: ns.name });
  genlNames = [...sh('ip', ['netns', 'exec', ns.name, 'genl', 'ctrl', 'list']).matchAll(/^Name: (\S+)/gm)].map((m) => m[1]!);
});
after(() => ctrl?.close());

const normalize = (s: string): string => s.toLowerCase().replaceAll('_', '-');

async function kernelFamily(name: string): Promise<GenlFamily | undefined> {
  try {
    return await ctrl!.family(name);
  } catch (e) {
    if (e instanceof NetlinkError && e.code === 'ENOENT') return undefined;
    throw e;
  }
}

test('specs/ holds the specs nlkit ships', () => {
  assert.ok(files.length > 0, `no .yaml files in ${specsDir}`);
});

for (const file of files) {
  const base = path.basename(file);
  let parsed: unknown;
  let parseError: Error | undefined;
  try {
    parsed = readYaml(file);
  } catch (e) {
    parseError = e as Error;
  }
  if (parseError || typeof parsed !== 'object' || parsed === null) {
    test(`${base} is a YAML document`, () => {
      assert.fail(parseError?.message ?? `${base} holds no mapping`);
    });
    continue;
  }
  const spec = parsed as RawSpec;
  const protocol = spec.protocol ?? 'genetlink';

  describe(base, () => {
    test(`validates against the ${protocol} schema`, (t) => {
      if (!schemas) return t.skip('the kernel schemas (../shared/ynl/schemas) are not here');
      const validate = validatorFor(protocol);
      const ok = validate(spec);
      assert.ok(ok, `${base}:\n${(validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n')}`);
    });

    test('every name it uses is defined, no id is used twice', () => {
      assert.deepEqual(referenceProblems(spec), []);
    });

    test('ids and values agree with the uAPI headers', (t) => {
      if (!gccAvailable()) return t.skip('gcc is not installed');
      const { headers, constants, notUapi } = specConstants(spec);
      const r = probeConstants(headers, constants);
      const wrong = r.found.filter((c) => !sameValue(c.actual, c.expected)).map((c) => `${c.name} (${c.origin}): header ${JSON.stringify(c.actual)}, spec ${JSON.stringify(c.expected)}`);
      t.diagnostic(`${r.found.length} constants checked in ${headers.join(', ')}`);
      if (r.missingHeaders.length > 0) t.diagnostic(`not installed here: ${r.missingHeaders.join(', ')}`);
      if (r.undeclared.length > 0) t.diagnostic(`not in this machine's headers (${r.undeclared.length}): ${r.undeclared.map((c) => c.name).join(' ')}`);
      if (notUapi.length > 0) t.diagnostic(`not uAPI, not checked: ${notUapi.join(', ')}`);
      assert.deepEqual(wrong, []);
      assert.ok(r.found.length > 0 || r.missingHeaders.length > 0, `no constant of ${base} is in ${headers.join(', ')}: are its C names right?`);
    });

    test('its name is the one nlctrl lists', (t) => {
      if (!isGenl(spec)) return t.skip(`${protocol}: not a Generic Netlink family`);
      if (genlNames.includes(spec.name)) return;
      const stem = base.replace(/\.yaml$/, '');
      const near = genlNames.find((n) => normalize(n) === normalize(spec.name) || normalize(n) === normalize(stem));
      assert.equal(near, undefined, `the kernel calls it '${near}', the spec '${spec.name}'`);
      t.skip(`the running kernel has no family '${spec.name}'`);
    });

    test('ops, groups and policies agree with the running kernel', async (t) => {
      if (!isGenl(spec)) return t.skip(`${protocol}: not a Generic Netlink family`);
      const family = await kernelFamily(spec.name);
      if (!family) return t.skip(`the running kernel has no family '${spec.name}'`);
      const r = await compareWithKernel(spec, family, (op) => ctrl!.policy(family.familyId, { op }));
      t.diagnostic(`${r.checkedOps} kernel ops compared`);
      if (r.specOnly.length > 0) t.diagnostic(`ops this kernel does not register: ${r.specOnly.join(', ')}`);
      assert.deepEqual(r.problems, []);
    });

    test('what the kernel sends in dump replies decodes with the spec', async (t) => {
      if (!isGenl(spec)) return t.skip(`${protocol}: not a Generic Netlink family`);
      const family = await kernelFamily(spec.name);
      if (!family) return t.skip(`the running kernel has no family '${spec.name}'`);
      const problems = new Set<string>();
      const values = operationValues(spec);
      let messages = 0;
      let dumps = 0;
      for (const { op, request, reply } of values) {
        const kop = family.ops.find((o) => o.id === request);
        if (!op.dump || !kop?.flags.includes('cmd-cap-dump')) continue;
        const set = findSet(spec, op['attribute-set'] ?? '');
        if (!set) continue;
        // A reply carries the op's own id or that of a notification sharing its format
        // (nlctrl answers getfamily with newfamily's id).
        const cmds = new Set([reply, op.dump.reply?.value, ...values.filter((v) => v.op.notify === op.name).map((v) => v.reply)]);
        try {
          for await (const m of genlDump(ctrl!.socket, family.familyId, request!, family.version, undefined, { label: `${spec.name} ${op.name} dump` })) {
            messages++;
            const cmd = genlHeader(m).cmd;
            if (!cmds.has(cmd)) problems.add(`${op.name} dump: reply carries cmd ${cmd}, the spec gives this reply ${[...cmds].filter((c) => c !== undefined).join(' or ')}`);
            const attrs = genlAttributes(m, family.hdrsize);
            const found: string[] = [];
            checkAttributes(spec, set, attrs, `${op.name} dump`, found);
            for (const name of unlisted(spec, set, attrs, op.dump.reply?.attributes ?? [])) found.push(`${op.name} dump: the kernel sent ${name}, the dump reply does not list it`);
            for (const f of found) problems.add(f);
          }
          dumps++;
        } catch (e) {
          if (!(e instanceof NetlinkError)) throw e;
          t.diagnostic(`${op.name} dump without request attributes: ${e.code}`);
        }
      }
      t.diagnostic(`${messages} messages from ${dumps} dumps checked`);
      assert.deepEqual([...problems], []);
    });

    test('notifications the kernel multicasts decode with the spec', async (t) => {
      if (!isGenl(spec)) return t.skip(`${protocol}: not a Generic Netlink family`);
      const family = await kernelFamily(spec.name);
      if (!family) return t.skip(`the running kernel has no family '${spec.name}'`);
      if (family.mcastGroups.length === 0) return t.skip('the family has no multicast groups');
      const received = await collectNotifications(family, () => stirNetns(ns.name));
      const problems = new Set<string>();
      const values = operationValues(spec);
      for (const { group, msg } of received) {
        const cmd = genlHeader(msg).cmd;
        const op = values.find((v) => (v.op.notify !== undefined || v.op.event !== undefined) && v.op.mcgrp === group && v.reply === cmd)?.op;
        if (!op) {
          problems.add(`group ${group}: cmd ${cmd} is no notification or event of this group in the spec`);
          continue;
        }
        const source = op.notify !== undefined ? spec.operations.list.find((o) => o.name === op.notify) : op;
        const set = findSet(spec, source?.['attribute-set'] ?? '');
        if (!set) continue;
        const listed = op.event?.attributes ?? source?.do?.reply?.attributes ?? source?.dump?.reply?.attributes ?? [];
        const attrs = genlAttributes(msg, family.hdrsize);
        const found: string[] = [];
        checkAttributes(spec, set, attrs, op.name, found);
        for (const name of unlisted(spec, set, attrs, listed)) found.push(`${op.name}: the kernel sent ${name}, the spec does not list it`);
        for (const f of found) problems.add(f);
      }
      const byGroup = family.mcastGroups.map((g) => `${g.name} ${received.filter((r) => r.group === g.name).length}`);
      t.diagnostic(`notifications checked per group: ${byGroup.join(', ')}`);
      assert.deepEqual([...problems], []);
    });
  });
}

/**
 * Joins every group of the family on a socket of its own, runs `stir`, and collects what was
 * multicast. The kernel queues notifications before the command that caused them returns, so
 * reading stops once the socket has been quiet for a moment.
 */
async function collectNotifications(family: GenlFamily, stir: () => void): Promise<Array<{ group: string; msg: NetlinkMessage }>> {
  await using sock = await NetlinkSocket.open(NETLINK_GENERIC, { netns: ns.name });
  const ac = new AbortController();
  const subs = family.mcastGroups.map((g) => ({ group: g.name, it: sock.subscribe(g.id, { signal: ac.signal }) }));
  stir();
  const out: Array<{ group: string; msg: NetlinkMessage }> = [];
  let idle = setTimeout(() => ac.abort(), 1000);
  await Promise.all(
    subs.map(async ({ group, it }) => {
      try {
        for await (const item of it) {
          if (item.kind === 'overrun') continue;
          if (item.type !== family.familyId) continue;
          out.push({ group, msg: item });
          clearTimeout(idle);
          idle = setTimeout(() => ac.abort(), 300);
        }
      } catch (e) {
        if (!ac.signal.aborted) throw e;
      }
    }),
  );
  clearTimeout(idle);
  return out;
}
