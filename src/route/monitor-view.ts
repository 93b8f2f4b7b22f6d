// The monitor's picture of the kernel: each tracked kind's objects by key. Notifications are
// applied to it (which is how 'added' and 'changed' are told apart), re-dumps are diffed
// against it, and the changes the kernel makes without notifying anyone are applied by hand.
import type { DecodedObject } from '../spec/index.js';
import { KINDS, signature, type MonitorKind } from './monitor-kinds.js';

export type MonitorAction = 'added' | 'changed' | 'removed';

/**
 * Where a change came from: a notification; the kernel's silent flush of IPv4 routes (see
 * `flushRoutes`), which the monitor applies by itself; or a re-dump after an overrun.
 */
export type MonitorOrigin = 'notification' | 'flush' | 'resync';

export interface ViewChange {
  kind: MonitorKind;
  action: MonitorAction;
  object: DecodedObject;
  origin: MonitorOrigin;
}

function flags(o: DecodedObject | undefined): unknown[] {
  const f = o?.ifiFlags;
  return Array.isArray(f) ? f : [];
}

export class MonitorView {
  private readonly maps = new Map<MonitorKind, Map<string, DecodedObject>>();
  /** Link names by index (kept after a link goes, for the deletions that follow it). */
  readonly names = new Map<number, string>();

  constructor(kinds: Iterable<MonitorKind>) {
    for (const k of kinds) this.maps.set(k, new Map());
  }

  has(kind: MonitorKind): boolean {
    return this.maps.has(kind);
  }

  /** The objects of a kind, in the order they came (dump order, then as they were added). */
  objects(kind: MonitorKind): DecodedObject[] {
    return [...(this.maps.get(kind)?.values() ?? [])];
  }

  /**
   * Applies one notification: what it means for the view, or nothing when it means nothing (a
   * deletion of an object the view never had, or an object the monitor leaves out). Changes the
   * kernel implies without notifying follow the notification's own.
   */
  apply(kind: MonitorKind, isNew: boolean, object: DecodedObject): ViewChange[] {
    const map = this.maps.get(kind);
    const info = KINDS[kind];
    const key = info.key(object);
    if (!map || key === undefined) return [];
    const before = map.get(key);
    const out: ViewChange[] = [];
    if (isNew) {
      map.set(key, object);
      out.push({ kind, action: before ? 'changed' : 'added', object, origin: 'notification' });
    } else {
      if (!before) return [];
      map.delete(key);
      out.push({ kind, action: 'removed', object, origin: 'notification' });
    }
    if (kind === 'link') {
      const index = object.ifiIndex;
      if (isNew && typeof index === 'number' && typeof object.ifname === 'string') this.names.set(index, object.ifname);
      if (!isNew) out.push(...this.flushRoutes((r) => r.oif === index));
      else if (flags(before).includes('up') && !flags(object).includes('up')) out.push(...this.flushRoutes((r) => r.oif === index && r.rtmScope !== 'host'));
    } else if (kind === 'addr' && !isNew && object.ifaFamily === 'inet' && object.local !== undefined) {
      const local = object.local;
      if (!this.objects('addr').some((a) => a.ifaFamily === 'inet' && a.local === local)) {
        out.push(...this.flushRoutes((r) => r.prefsrc === local && (r.table === 254 || r.table === 'main')));
      }
    }
    return out;
  }

  /**
   * IPv4 drops routes without a word when their device goes down (all but host-scope ones) or
   * away, and when the address they use as source goes (main table): fib_sync_down_dev and
   * fib_sync_down_addr in net/ipv4/fib_semantics.c. Removes them from the view as the kernel does.
   */
  private flushRoutes(match: (r: DecodedObject) => boolean): ViewChange[] {
    const routes = this.maps.get('route');
    const out: ViewChange[] = [];
    if (!routes) return out;
    for (const [key, r] of routes) {
      if (r.rtmFamily !== 'inet' || !match(r)) continue;
      routes.delete(key);
      out.push({ kind: 'route', action: 'removed', object: r, origin: 'flush' });
    }
    return out;
  }

  /**
   * Replaces a kind's objects with a fresh dump: the differences, as changes (objects equal but
   * for counters and timestamps are not changed).
   */
  replace(kind: MonitorKind, fresh: DecodedObject[]): ViewChange[] {
    const info = KINDS[kind];
    const old = this.maps.get(kind) ?? new Map<string, DecodedObject>();
    const next = new Map<string, DecodedObject>();
    for (const o of fresh) {
      const key = info.key(o);
      if (key !== undefined) next.set(key, o);
      if (kind === 'link' && key !== undefined) this.names.set(o.ifiIndex as number, o.ifname as string);
    }
    const out: ViewChange[] = [];
    for (const [key, o] of old) if (!next.has(key)) out.push({ kind, action: 'removed', object: o, origin: 'resync' });
    for (const [key, o] of next) {
      const was = old.get(key);
      if (!was) out.push({ kind, action: 'added', object: o, origin: 'resync' });
      else if (signature(was, info.volatile) !== signature(o, info.volatile)) out.push({ kind, action: 'changed', object: o, origin: 'resync' });
    }
    this.maps.set(kind, next);
    return out;
  }
}
