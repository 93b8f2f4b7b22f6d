// Names for the numeric attribute paths of an extended ACK (`[18, 2, 1]` → `.linkinfo.data.id`),
// walking the request that was sent: nests, indexed arrays (an element keeps its index) and
// sub-messages, whose format the request's own selector value chose.
import type { RecordRef } from './gen-context.js';
import { elementOf } from './gen-context.js';
import type { AttributeSpec, FamilySpec } from './model.js';
import type { Naming } from './names.js';
import { Walker, type Scope } from './scope.js';

type State =
  | { kind: 'record'; record: RecordRef; value: unknown; up: Scope | undefined }
  | { kind: 'array'; element: AttributeSpec; value: unknown; scope: Scope }
  | { kind: 'levels'; left: number; set: string; scope: Scope }
  | { kind: 'none' };

function first(x: unknown): unknown {
  return Array.isArray(x) ? x[0] : x;
}

class Namer extends Walker {
  /** The name at this level, and where the next level is. */
  step(state: State, type: number): { name: string | undefined; next: State } {
    if (state.kind === 'array') {
      const item = Array.isArray(state.value) ? state.value[type] : undefined;
      return { name: undefined, next: this.into(state.element, item, state.scope) };
    }
    if (state.kind === 'levels') {
      if (state.left > 1) return { name: undefined, next: { ...state, left: state.left - 1 } };
      return { name: undefined, next: { kind: 'record', record: { set: state.set }, value: undefined, up: state.scope } };
    }
    if (state.kind !== 'record') return { name: undefined, next: { kind: 'none' } };
    const a = this.attributes(state.record).find((x) => x.id === type);
    if (!a) return { name: undefined, next: { kind: 'none' } };
    const scope = this.scope(state.record, state.value, state.up);
    const key = this.prop(a.name);
    const value = scope.value?.[key];
    return { name: key, next: this.into(a, a.multiAttr ? first(value) : value, scope) };
  }

  into(a: AttributeSpec, value: unknown, scope: Scope): State {
    switch (a.type) {
      case 'nest':
        return { kind: 'record', record: { set: a.nestedAttributes ?? '' }, value, up: scope };
      case 'indexed-array':
        return { kind: 'array', element: elementOf(a), value, scope };
      case 'nest-type-value':
        return (a.typeValue ?? []).length > 0
          ? { kind: 'levels', left: (a.typeValue ?? []).length, set: a.nestedAttributes ?? '', scope }
          : { kind: 'record', record: { set: a.nestedAttributes ?? '' }, value, up: scope };
      case 'sub-message': {
        const chosen = this.subMessageRecord(a, scope);
        return chosen && !chosen.empty ? { kind: 'record', record: chosen.record, value, up: scope } : { kind: 'none' };
      }
      default:
        return { kind: 'none' };
    }
  }
}

export function attributeNamer(spec: FamilySpec, naming: Naming, r: RecordRef, request: object): (depth: number, type: number, path: number[]) => string | undefined {
  const namer = new Namer(spec, naming);
  return (depth, type, path) => {
    let state: State = { kind: 'record', record: r, value: request, up: undefined };
    let name: string | undefined;
    for (let i = 0; i <= depth && i < path.length; i++) {
      const t = i === depth ? type : path[i];
      ({ name, next: state } = namer.step(state, t));
    }
    return name;
  };
}
