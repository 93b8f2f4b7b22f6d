// Validation of a YNL document: the format's structure (rules.ts, per protocol level), then what
// no JSON schema can say: that every name a spec refers to exists. All problems are collected and
// thrown as one SpecError naming the file and the key path of each.
import { SpecError, formatPath, type SpecProblem } from './errors.js';
import type { Protocol } from './model.js';
import { constTable, integerConst, typeLimit } from './normalize.js';
import { DOCUMENT, resolve, type Shape } from './rules.js';

type Raw = Record<string, unknown>;
type Segments = (string | number)[];
/** The 1-based line of the node at a key path, when the YAML source is known. */
export type Locate = (segments: Segments) => number | undefined;

const LEVELS: readonly Protocol[] = ['genetlink', 'genetlink-c', 'genetlink-legacy', 'netlink-raw'];

function isObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string '${v}'`;
  return `${typeof v} ${String(v)}`;
}
function typeName(s: Shape): string {
  switch (s.t) {
    case 'string':
    case 'enum':
      return 'a string';
    case 'int':
      return 'an integer';
    case 'bool':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'either':
      return s.of.map(typeName).join(' or ');
  }
}
function matchesType(s: Shape, v: unknown): boolean {
  switch (s.t) {
    case 'string':
    case 'enum':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    case 'either':
      return s.of.some((x) => matchesType(x, v));
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

class Checker {
  readonly found: { segments: Segments; message: string }[] = [];
  constructor(readonly level: Protocol) {}

  problem(segments: Segments, message: string): void {
    this.found.push({ segments: [...segments], message });
  }

  walk(v: unknown, shape: Shape, at: Segments): void {
    if (!matchesType(shape, v)) {
      this.problem(at, `expected ${typeName(shape)}, got ${describe(v)}`);
      return;
    }
    switch (shape.t) {
      case 'string':
        if (shape.pattern && !shape.pattern.test(v as string)) this.problem(at, `'${String(v)}' does not match ${shape.pattern.source}`);
        return;
      case 'int':
        if (shape.min !== undefined && (v as number) < shape.min) this.problem(at, `${String(v)} is below the minimum ${shape.min}`);
        return;
      case 'enum':
        if (!shape.values.includes(v as string)) {
          this.problem(at, `'${String(v)}' is not one of ${shape.values.join(', ')} (in a ${this.level} spec)`);
        }
        return;
      case 'array':
        (v as unknown[]).forEach((item, i) => this.walk(item, shape.items, [...at, i]));
        return;
      case 'object':
        this.walkObject(v as Raw, shape, at);
        return;
      case 'either': {
        const alt = shape.of.find((x) => matchesType(x, v));
        if (alt) this.walk(v, alt, at);
        return;
      }
      default:
        return;
    }
  }

  walkObject(v: Raw, shape: Shape & { t: 'object' }, at: Segments): void {
    for (const [key, value] of Object.entries(v)) {
      const prop = shape.props[key];
      if (prop === undefined) {
        const near = Object.keys(shape.props)
          .map((k) => ({ k, d: distance(key, k) }))
          .filter((x) => x.d <= 2)
          .sort((a, b) => a.d - b.d)[0];
        this.problem([...at, key], `unknown key '${key}'${near ? `; did you mean '${near.k}'?` : ''}`);
        continue;
      }
      if (prop.levels && !prop.levels.includes(this.level)) {
        this.problem([...at, key], `'${key}' is not allowed in a ${this.level} spec (allowed in ${prop.levels.join(', ')})`);
        continue;
      }
      this.walk(value, resolve(prop.shape, this.level), [...at, key]);
    }
    for (const key of shape.required ?? []) {
      if (!(key in v)) this.problem([...at, key], `required key '${key}' is missing`);
    }
  }
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function obj(v: unknown): Raw {
  return isObject(v) ? v : {};
}

/** Rules the schemas state with if/then/dependencies, and the references between parts of a spec. */
class References {
  readonly defs = new Map<string, Raw>();
  readonly sets = new Map<string, Raw>();
  readonly subMessages = new Map<string, Raw>();
  readonly ops = new Map<string, Raw>();
  readonly groups = new Set<string>();
  readonly consts: Map<string, number | string>;
  /** Every attribute name of every set, and every struct member name: where a selector may live. */
  readonly selectable = new Set<string>();

  constructor(readonly doc: Raw, readonly c: Checker) {
    this.consts = constTable(doc);
    for (const d of list(doc.definitions)) this.defs.set(String(obj(d).name), obj(d));
    for (const s of list(doc['attribute-sets'])) this.sets.set(String(obj(s).name), obj(s));
    for (const s of list(doc['sub-messages'])) this.subMessages.set(String(obj(s).name), obj(s));
    for (const o of list(obj(doc.operations).list)) this.ops.set(String(obj(o).name), obj(o));
    for (const g of list(obj(doc['mcast-groups']).list)) this.groups.add(String(obj(g).name));
    for (const s of this.sets.values()) for (const a of list(s.attributes)) this.selectable.add(String(obj(a).name));
    for (const d of this.defs.values()) for (const m of list(d.members)) this.selectable.add(String(obj(m).name));
  }

  duplicates(items: unknown[], at: Segments, what: string, identical = false): void {
    const seen = new Map<string, string>();
    items.forEach((item, i) => {
      const n = typeof item === 'string' ? item : obj(item).name;
      if (typeof n !== 'string') return;
      const text = JSON.stringify(item);
      if (seen.has(n) && !(identical && seen.get(n) === text)) this.c.problem([...at, i, ...(typeof item === 'string' ? [] : ['name'])], `duplicate ${what} '${n}'`);
      seen.set(n, text);
    });
  }

  definition(name: string, kinds: readonly string[], at: Segments, what: string): void {
    const d = this.defs.get(name);
    if (!d || !kinds.includes(String(d.type))) {
      this.c.problem(at, `'${name}' is not ${what} definition${d ? ` (it is a ${String(d.type)})` : ''}`);
    }
  }

  set(name: string, at: Segments): void {
    if (!this.sets.has(name)) this.c.problem(at, `'${name}' is not an attribute set`);
  }

  constRef(v: unknown, at: Segments, limits: boolean): void {
    if (typeof v !== 'string') return;
    const base = v.endsWith(' - 1') ? v.slice(0, -4) : v;
    if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(base)) return;
    if (limits && typeLimit(base) !== undefined) return;
    if (integerConst(this.consts.get(base)) === undefined) {
      this.c.problem(at, `'${base}' is not ${limits ? 'a type limit (u32-max) or ' : ''}an integer const definition`);
    }
  }

  check(): void {
    const { doc } = this;
    this.duplicates(list(doc.definitions), ['definitions'], 'definition');
    this.duplicates(list(doc['attribute-sets']), ['attribute-sets'], 'attribute set');
    this.duplicates(list(doc['sub-messages']), ['sub-messages'], 'sub-message');
    this.duplicates(list(obj(doc.operations).list), ['operations', 'list'], 'operation');
    this.duplicates(list(obj(doc['mcast-groups']).list), ['mcast-groups', 'list'], 'multicast group');
    list(doc.definitions).forEach((d, i) => this.checkDefinition(obj(d), ['definitions', i]));
    list(doc['attribute-sets']).forEach((s, i) => this.checkSet(obj(s), ['attribute-sets', i]));
    list(doc['sub-messages']).forEach((s, i) => this.checkSubMessage(obj(s), ['sub-messages', i]));
    this.checkOperations(obj(doc.operations), ['operations']);
  }

  checkDefinition(d: Raw, at: Segments): void {
    if (d.type === 'enum' || d.type === 'flags') {
      if (!Array.isArray(d.entries)) this.c.problem([...at, 'entries'], `an ${String(d.type)} definition needs 'entries'`);
      this.duplicates(list(d.entries), [...at, 'entries'], 'entry');
      this.constRef(d['value-start'], [...at, 'value-start'], false);
    }
    if (d.type === 'const' && d.value === undefined) this.c.problem([...at, 'value'], `a const definition needs a 'value'`);
    if (d.type === 'struct') {
      if (!Array.isArray(d.members)) this.c.problem([...at, 'members'], `a struct definition needs 'members'`);
      this.duplicates(list(d.members), [...at, 'members'], 'member');
      list(d.members).forEach((m, i) => {
        const r = obj(m);
        const mat = [...at, 'members', i];
        if (r.type === 'pad' && r.len === undefined) this.c.problem([...mat, 'len'], `a pad member needs 'len'`);
        if (r.type === 'string' && r.len === undefined) this.c.problem([...mat, 'len'], `a string member needs 'len'`);
        if (r.type === 'binary' && (r.len === undefined) === (r.struct === undefined)) {
          this.c.problem(mat, `a binary member needs exactly one of 'len' and 'struct'`);
        }
        if (typeof r.struct === 'string') this.definition(r.struct, ['struct'], [...mat, 'struct'], 'a struct');
        if (typeof r.enum === 'string') this.definition(r.enum, ['enum', 'flags'], [...mat, 'enum'], 'an enum or flags');
        this.constRef(r.len, [...mat, 'len'], false);
      });
    }
  }

  checkSet(s: Raw, at: Segments): void {
    const attrs = list(s.attributes);
    // A subset may list the same member twice (devlink's dl-dpipe-table does): harmless when identical.
    this.duplicates(attrs, [...at, 'attributes'], 'attribute', s['subset-of'] !== undefined);
    if (s['subset-of'] !== undefined && s['name-prefix'] !== undefined) {
      this.c.problem([...at, 'name-prefix'], `a subset takes its names from its parent: 'name-prefix' and 'subset-of' exclude each other`);
    }
    const parentName = typeof s['subset-of'] === 'string' ? s['subset-of'] : undefined;
    const parent = parentName !== undefined ? this.sets.get(parentName) : undefined;
    if (parentName !== undefined && !parent) this.c.problem([...at, 'subset-of'], `'${parentName}' is not an attribute set`);
    if (parentName === undefined) {
      const ids = new Map<number, string>();
      let id = 1;
      attrs.forEach((a, i) => {
        const r = obj(a);
        if (typeof r.value === 'number') id = r.value;
        const clash = ids.get(id);
        if (clash !== undefined) this.c.problem([...at, 'attributes', i], `attribute '${String(r.name)}' has id ${id}, as '${clash}' does`);
        ids.set(id, String(r.name));
        id++;
      });
    }
    const siblings = new Set(attrs.map((a) => String(obj(a).name)));
    attrs.forEach((a, i) => {
      const own = obj(a);
      const aat = [...at, 'attributes', i];
      let merged = own;
      if (parentName !== undefined) {
        if (!parent) return;
        const base = list(parent.attributes).map(obj).find((p) => p.name === own.name);
        if (!base) {
          this.c.problem([...aat, 'name'], `'${String(own.name)}' is not an attribute of '${parentName}'`);
          return;
        }
        merged = { ...base, ...own };
      } else if (own.type === undefined) {
        this.c.problem([...aat, 'type'], `required key 'type' is missing`);
        return;
      }
      this.checkAttribute(merged, own, aat, siblings);
    });
  }

  /** `own` holds the keys written at this place, for paths; `a` the attribute with its parent's keys. */
  checkAttribute(a: Raw, own: Raw, at: Segments, siblings: Set<string>): void {
    const where = (key: string): Segments => (key in own ? [...at, key] : at);
    const type = String(a.type);
    const needs = (key: string, why: string): boolean => {
      if (a[key] !== undefined) return true;
      this.c.problem(at, `${why} needs '${key}'`);
      return false;
    };
    if (type === 'nest' || type === 'nest-type-value' || type === 'array-nest') needs('nested-attributes', `a ${type} attribute`);
    if (type === 'nest-type-value') needs('type-value', 'a nest-type-value attribute');
    if (type === 'indexed-array' && needs('sub-type', 'an indexed-array attribute')) {
      if (a['sub-type'] === 'nest') needs('nested-attributes', 'an indexed-array of nests');
    }
    if (type === 'sub-message') {
      if (needs('sub-message', 'a sub-message attribute') && typeof a['sub-message'] === 'string' && !this.subMessages.has(a['sub-message'])) {
        this.c.problem(where('sub-message'), `'${a['sub-message']}' is not a sub-message definition`);
      }
      if (needs('selector', 'a sub-message attribute') && typeof a.selector === 'string') {
        if (!siblings.has(a.selector) && !this.selectable.has(a.selector)) {
          this.c.problem(where('selector'), `selector '${a.selector}' is neither an attribute of this set nor of any set or fixed header that can enclose it`);
        }
      }
    }
    if (typeof a['nested-attributes'] === 'string') this.set(a['nested-attributes'], where('nested-attributes'));
    if (typeof a.enum === 'string') this.definition(a.enum, ['enum', 'flags'], where('enum'), 'an enum or flags');
    if (typeof a.struct === 'string') this.definition(a.struct, ['struct'], where('struct'), 'a struct');
    const checks = obj(a.checks);
    const cat = where('checks');
    if (typeof checks['flags-mask'] === 'string') this.definition(checks['flags-mask'], ['flags', 'enum'], [...cat, 'flags-mask'], 'a flags');
    for (const k of ['min', 'max']) this.constRef(checks[k], [...cat, k], true);
    for (const k of ['min-len', 'max-len', 'exact-len']) this.constRef(checks[k], [...cat, k], false);
  }

  checkSubMessage(s: Raw, at: Segments): void {
    this.duplicates(list(s.formats).map((f) => String(obj(f).value)), [...at, 'formats'], 'format value');
    list(s.formats).forEach((f, i) => {
      const r = obj(f);
      if (typeof r['attribute-set'] === 'string') this.set(r['attribute-set'], [...at, 'formats', i, 'attribute-set']);
      if (typeof r['fixed-header'] === 'string') this.definition(r['fixed-header'], ['struct'], [...at, 'formats', i, 'fixed-header'], 'a struct');
    });
  }

  checkOperations(ops: Raw, at: Segments): void {
    if (typeof ops['fixed-header'] === 'string') this.definition(ops['fixed-header'], ['struct'], [...at, 'fixed-header'], 'a struct');
    list(ops.list).forEach((o, i) => {
      const r = obj(o);
      const oat = [...at, 'list', i];
      if (typeof r['fixed-header'] === 'string') this.definition(r['fixed-header'], ['struct'], [...oat, 'fixed-header'], 'a struct');
      let setName = typeof r['attribute-set'] === 'string' ? r['attribute-set'] : undefined;
      if (setName !== undefined) this.set(setName, [...oat, 'attribute-set']);
      if (typeof r.notify === 'string') {
        const target = this.ops.get(r.notify);
        if (!target) this.c.problem([...oat, 'notify'], `'${r.notify}' is not an operation`);
        else if (target.do === undefined && target.dump === undefined) this.c.problem([...oat, 'notify'], `'${r.notify}' has no do or dump reply to share`);
        setName ??= typeof target?.['attribute-set'] === 'string' ? target['attribute-set'] : undefined;
      }
      if (typeof r.mcgrp === 'string' && !this.groups.has(r.mcgrp)) this.c.problem([...oat, 'mcgrp'], `'${r.mcgrp}' is not a multicast group`);
      const isCall = r.do !== undefined || r.dump !== undefined;
      if ((isCall || r.event !== undefined) && setName === undefined) this.c.problem(oat, `operation '${String(r.name)}' needs an 'attribute-set'`);
      const set = setName !== undefined ? this.sets.get(setName) : undefined;
      if (!set) return;
      const names = new Set(list(set.attributes).map((a) => String(obj(a).name)));
      const refs = (attrs: unknown, rat: Segments): void => {
        list(attrs).forEach((n, j) => {
          if (typeof n === 'string' && !names.has(n)) this.c.problem([...rat, j], `'${n}' is not an attribute of set '${setName}'`);
        });
      };
      for (const m of ['do', 'dump']) {
        for (const d of ['request', 'reply']) refs(obj(obj(r[m])[d]).attributes, [...oat, m, d, 'attributes']);
      }
      refs(obj(r.event).attributes, [...oat, 'event', 'attributes']);
    });
  }
}

/** Every problem of a YNL document, structural first; empty when it is valid. */
export function specProblems(doc: unknown, locate?: Locate): SpecProblem[] {
  const raw = isObject(doc) ? doc : undefined;
  const declared = raw?.protocol;
  const level: Protocol = typeof declared === 'string' && (LEVELS as readonly string[]).includes(declared) ? (declared as Protocol) : 'genetlink';
  const c = new Checker(level);
  c.walk(doc, DOCUMENT, []);
  if (c.found.length === 0 && raw) new References(raw, c).check();
  return c.found.map(({ segments, message }) => {
    const p: SpecProblem = { path: formatPath(segments), message };
    let line = locate?.(segments);
    for (let n = segments.length - 1; line === undefined && locate && n >= 0; n--) line = locate(segments.slice(0, n));
    if (line !== undefined) p.line = line;
    return p;
  });
}

/** Throws one SpecError listing every problem of the document. */
export function validateSpec(doc: unknown, source: string, locate?: Locate): void {
  const problems = specProblems(doc, locate);
  if (problems.length > 0) throw new SpecError(source, problems);
}
