// Validation: the kernel's specs are clean; a broken spec fails with one SpecError that names the
// file and the exact key path; and where the kernel's own JSON schema (run through ajv) can see
// a mutation, it agrees that the spec is invalid.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, stringify } from 'yaml';
import { SpecError } from '../../src/spec/errors.js';
import { loadSpecText } from '../../src/spec/load.js';
import { specProblems } from '../../src/spec/validate.js';
import { CORPUS, SKIP, corpusFiles } from './corpus.js';

type Doc = { [k: string]: unknown };

const validators = new Map<string, ValidateFunction>();

/** The kernel's schema for a protocol level, compiled by ajv (the schema files repeat a key: the last wins, as in PyYAML). */
function schemaCheck(doc: Doc): boolean {
  const level = typeof doc.protocol === 'string' ? doc.protocol : 'genetlink';
  let v = validators.get(level);
  if (!v) {
    const text = readFileSync(path.join(CORPUS ?? '', 'schemas', `${level}.yaml`), 'utf8');
    const schema = parse(text, { uniqueKeys: false }) as Doc;
    delete schema.$schema; // draft-07, ajv's default, under another URL
    v = new Ajv({ strict: false, allErrors: true }).compile(schema);
    validators.set(level, v);
  }
  return v(doc) as boolean;
}

function corpusDoc(file: string): Doc {
  return parse(readFileSync(path.join(CORPUS ?? '', 'specs', file), 'utf8'), { maxAliasCount: -1 }) as Doc;
}

type List = Doc[];
const list = (x: unknown): List => x as List;
const setIndex = (d: Doc, name: string): number => list(d['attribute-sets']).findIndex((s) => s.name === name);
const attrIndex = (d: Doc, set: number, name: string): number => list(list(d['attribute-sets'])[set].attributes).findIndex((a) => a.name === name);
/** The first attribute (set index, attribute index) that has `key`. */
function withKey(d: Doc, key: string): [number, number] {
  const sets = list(d['attribute-sets']);
  for (let i = 0; i < sets.length; i++) {
    const j = list(sets[i].attributes).findIndex((a) => a[key] !== undefined);
    if (j >= 0) return [i, j];
  }
  return [-1, -1];
}
const opIndex = (d: Doc, name: string): number => list((d.operations as Doc).list).findIndex((o) => o.name === name);

function rejection(doc: Doc, source = 'mutant.yaml'): SpecError {
  try {
    loadSpecText(stringify(doc), source);
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected a SpecError, got ${String(err)}`);
    return err;
  }
  assert.fail('the mutated spec was accepted');
}

interface Mutation {
  what: string;
  file: string;
  mutate(d: Doc): string;
  /** A pattern the message must match. */
  says: RegExp;
  /** Whether the JSON schema can see this mutation (references between parts it cannot). */
  schemaSees: boolean;
}

const mutations: Mutation[] = [
  {
    what: 'a typo in a key',
    file: 'netdev.yaml',
    mutate(d) {
      const [s, a] = withKey(d, 'nested-attributes');
      const attr = list(list(d['attribute-sets'])[s].attributes)[a];
      attr['nested-attribute'] = attr['nested-attributes'];
      delete attr['nested-attributes'];
      return `attribute-sets[${s}].attributes[${a}].nested-attribute`;
    },
    says: /unknown key 'nested-attribute'; did you mean 'nested-attributes'\?/,
    schemaSees: true,
  },
  {
    what: 'a missing name',
    file: 'netdev.yaml',
    mutate(d) {
      const s = setIndex(d, 'queue');
      delete list(list(d['attribute-sets'])[s].attributes)[1].name;
      return `attribute-sets[${s}].attributes[1].name`;
    },
    says: /required key 'name' is missing/,
    schemaSees: true,
  },
  {
    what: 'a dangling nested-attributes reference',
    file: 'netdev.yaml',
    mutate(d) {
      const [s, a] = withKey(d, 'nested-attributes');
      list(list(d['attribute-sets'])[s].attributes)[a]['nested-attributes'] = 'no-such-set';
      return `attribute-sets[${s}].attributes[${a}].nested-attributes`;
    },
    says: /'no-such-set' is not an attribute set/,
    schemaSees: false,
  },
  {
    what: 'a wrong value type',
    file: 'netdev.yaml',
    mutate(d) {
      const s = setIndex(d, 'queue');
      list(list(d['attribute-sets'])[s].attributes)[0].value = 'one';
      return `attribute-sets[${s}].attributes[0].value`;
    },
    says: /expected an integer, got string 'one'/,
    schemaSees: true,
  },
  {
    what: 'an attribute type the format does not have',
    file: 'netdev.yaml',
    mutate(d) {
      const s = setIndex(d, 'queue');
      const a = attrIndex(d, s, 'id');
      list(list(d['attribute-sets'])[s].attributes)[a].type = 'u31';
      return `attribute-sets[${s}].attributes[${a}].type`;
    },
    says: /'u31' is not one of unused, pad, flag/,
    schemaSees: true,
  },
  {
    what: 'an operation naming an attribute its set lacks',
    file: 'netdev.yaml',
    mutate(d) {
      const o = opIndex(d, 'queue-get');
      const op = list((d.operations as Doc).list)[o];
      const attrs = (op.do as Doc).request as Doc;
      (attrs.attributes as string[])[1] = 'ifindx';
      return `operations.list[${o}].do.request.attributes[1]`;
    },
    says: /'ifindx' is not an attribute of set 'queue'/,
    schemaSees: false,
  },
  {
    what: 'a netlink-raw key in a genetlink spec',
    file: 'netdev.yaml',
    mutate(d) {
      const s = setIndex(d, 'queue');
      list(list(d['attribute-sets'])[s].attributes)[0].selector = 'kind';
      return `attribute-sets[${s}].attributes[0].selector`;
    },
    says: /'selector' is not allowed in a genetlink spec \(allowed in netlink-raw\)/,
    schemaSees: true,
  },
  {
    what: 'a name against the pattern',
    file: 'netdev.yaml',
    mutate(d) {
      const s = setIndex(d, 'queue');
      list(list(d['attribute-sets'])[s].attributes)[0].name = 'Queue_Id';
      return `attribute-sets[${s}].attributes[0].name`;
    },
    says: /'Queue_Id' does not match/,
    schemaSees: true,
  },
  {
    what: 'a missing top-level doc',
    file: 'netdev.yaml',
    mutate(d) {
      delete d.doc;
      return 'doc';
    },
    says: /required key 'doc' is missing/,
    schemaSees: true,
  },
  {
    what: 'a notification of an operation that does not exist',
    file: 'netdev.yaml',
    mutate(d) {
      const o = list((d.operations as Doc).list).findIndex((x) => x.notify !== undefined);
      list((d.operations as Doc).list)[o].notify = 'dev-got';
      return `operations.list[${o}].notify`;
    },
    says: /'dev-got' is not an operation/,
    schemaSees: false,
  },
  {
    what: 'an unknown multicast group',
    file: 'netdev.yaml',
    mutate(d) {
      const o = list((d.operations as Doc).list).findIndex((x) => x.mcgrp !== undefined);
      list((d.operations as Doc).list)[o].mcgrp = 'mgnt';
      return `operations.list[${o}].mcgrp`;
    },
    says: /'mgnt' is not a multicast group/,
    schemaSees: false,
  },
  {
    what: 'a subset member its parent lacks',
    file: 'netdev.yaml',
    mutate(d) {
      const s = list(d['attribute-sets']).findIndex((x) => x['subset-of'] !== undefined);
      list(list(d['attribute-sets'])[s].attributes)[0].name = 'not-in-parent';
      return `attribute-sets[${s}].attributes[0].name`;
    },
    says: /'not-in-parent' is not an attribute of '/,
    schemaSees: false,
  },
  {
    what: 'an enum reference to nothing',
    file: 'netdev.yaml',
    mutate(d) {
      const [s, a] = withKey(d, 'enum');
      list(list(d['attribute-sets'])[s].attributes)[a].enum = 'xdp-actshun';
      return `attribute-sets[${s}].attributes[${a}].enum`;
    },
    says: /'xdp-actshun' is not an enum or flags definition/,
    schemaSees: false,
  },
  {
    what: 'a sub-message selector that names nothing',
    file: 'rt-link.yaml',
    mutate(d) {
      const s = setIndex(d, 'linkinfo-attrs');
      const a = attrIndex(d, s, 'data');
      list(list(d['attribute-sets'])[s].attributes)[a].selector = 'knd';
      return `attribute-sets[${s}].attributes[${a}].selector`;
    },
    says: /selector 'knd' is neither an attribute/,
    schemaSees: false,
  },
  {
    what: 'a sub-message format with a missing attribute set',
    file: 'rt-link.yaml',
    mutate(d) {
      const m = list(d['sub-messages']).findIndex((x) => x.name === 'linkinfo-data-msg');
      const f = list(list(d['sub-messages'])[m].formats).findIndex((x) => x['attribute-set'] !== undefined);
      list(list(d['sub-messages'])[m].formats)[f]['attribute-set'] = 'gone-attrs';
      return `sub-messages[${m}].formats[${f}].attribute-set`;
    },
    says: /'gone-attrs' is not an attribute set/,
    schemaSees: false,
  },
  {
    what: 'a fixed header that is no struct',
    file: 'rt-route.yaml',
    mutate(d) {
      (d.operations as Doc)['fixed-header'] = 'rtmsgg';
      return 'operations.fixed-header';
    },
    says: /'rtmsgg' is not a struct definition/,
    schemaSees: false,
  },
  {
    what: 'a check naming a const that does not exist',
    file: 'team.yaml',
    mutate(d) {
      let at = '';
      list(d['attribute-sets']).forEach((s, i) =>
        list(s.attributes).forEach((a, j) => {
          const c = a.checks as Doc | undefined;
          if (!at && typeof c?.['max-len'] === 'string') {
            c['max-len'] = 'string-max-lenn';
            at = `attribute-sets[${i}].attributes[${j}].checks.max-len`;
          }
        }),
      );
      return at;
    },
    says: /'string-max-lenn' is not an integer const definition/,
    schemaSees: false,
  },
  {
    what: 'a struct member without a size',
    file: 'rt-link.yaml',
    mutate(d) {
      const i = list(d.definitions).findIndex((x) => list(x.members ?? []).some((m) => m.type === 'binary' && m.len !== undefined));
      const m = list(list(d.definitions)[i].members).findIndex((x) => x.type === 'binary' && x.len !== undefined);
      delete list(list(d.definitions)[i].members)[m].len;
      return `definitions[${i}].members[${m}]`;
    },
    says: /a binary member needs exactly one of 'len' and 'struct'/,
    schemaSees: true,
  },
];

describe('validation', { skip: SKIP }, () => {
  test('every corpus spec is clean, for us and for the kernel schema', () => {
    for (const file of corpusFiles()) {
      const doc = corpusDoc(path.basename(file));
      assert.deepEqual(specProblems(doc), [], path.basename(file));
      assert.equal(schemaCheck(doc), true, `${path.basename(file)} against the kernel schema`);
    }
  });

  for (const m of mutations) {
    test(`${m.what} fails with its exact path (${m.file})`, () => {
      const doc = corpusDoc(m.file);
      const at = m.mutate(doc);
      assert.notEqual(at, '', 'the mutation found its target');
      const err = rejection(doc, `mutant-${m.file}`);
      assert.equal(err.path, at);
      assert.match(err.problems[0].message, m.says);
      assert.ok(err.message.startsWith(`mutant-${m.file}: ${at}`), err.message);
      assert.equal(err.problems.length, 1, err.message);
      assert.equal(schemaCheck(doc), !m.schemaSees, `the kernel schema ${m.schemaSees ? 'rejects' : 'cannot see'} this`);
    });
  }

  test('a problem names its line in the YAML source', () => {
    const text = readFileSync(path.join(CORPUS ?? '', 'specs', 'netdev.yaml'), 'utf8').replace('nested-attributes: page-pool-info', 'nested-attributes: pool-info');
    const line = text.split('\n').findIndex((l) => l.includes('nested-attributes: pool-info')) + 1;
    assert.throws(
      () => loadSpecText(text, 'netdev.yaml'),
      (err: unknown) => err instanceof SpecError && err.problems[0].line === line && err.message.includes(`(line ${line})`),
    );
  });

  test('YAML that does not parse is a SpecError with the line', () => {
    assert.throws(
      () => loadSpecText('name: x\ndoc: y\nattribute-sets: [\n', 'broken.yaml'),
      (err: unknown) => err instanceof SpecError && err.message.startsWith('broken.yaml: ') && /YAML/.test(err.message) && err.problems[0].line !== undefined,
    );
  });

  test('every problem is reported, not just the first', () => {
    const doc = corpusDoc('netdev.yaml');
    delete doc.doc;
    const s = setIndex(doc, 'queue');
    list(list(doc['attribute-sets'])[s].attributes)[0].value = 'one';
    const err = rejection(doc);
    assert.deepEqual(err.problems.map((p) => p.path).sort(), [`attribute-sets[${s}].attributes[0].value`, 'doc'].sort());
  });
});

describe('validation of small inline specs', () => {
  const base = (extra: string): string => `name: tiny\ndoc: t\nattribute-sets:\n  -\n    name: a\n    attributes:\n      -\n        name: x\n        type: u32\n${extra}operations:\n  list: []\n`;

  test('a minimal genetlink spec is valid', () => {
    assert.equal(loadSpecText(base(''), 'tiny.yaml').name, 'tiny');
  });

  test('definitions of type struct need genetlink-legacy', () => {
    const text = base('definitions:\n  -\n    name: s\n    type: struct\n    members: []\n');
    assert.throws(() => loadSpecText(text, 'tiny.yaml'), (e: unknown) => e instanceof SpecError && e.path === 'definitions[0].type' && /not one of const, enum, flags/.test(e.message));
    assert.equal(loadSpecText(`protocol: genetlink-legacy\n${text}`, 'tiny.yaml').definitions.get('s')?.kind, 'struct');
  });

  test('an attribute outside a subset needs a type', () => {
    const text = base('').replace('        type: u32\n', '');
    assert.throws(() => loadSpecText(text, 'tiny.yaml'), (e: unknown) => e instanceof SpecError && e.path === 'attribute-sets[0].attributes[0].type');
  });

  test('two attributes with the same id are refused', () => {
    const text = base('').replace('        type: u32\n', '        type: u32\n      -\n        name: y\n        type: u8\n        value: 1\n');
    assert.throws(() => loadSpecText(text, 'tiny.yaml'), (e: unknown) => e instanceof SpecError && e.path === 'attribute-sets[0].attributes[1]' && /has id 1, as 'x' does/.test(e.message));
  });
});
