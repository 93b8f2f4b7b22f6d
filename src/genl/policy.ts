import * as C from '../wire/constants.js';
import { decodePolicyDescription, type NetlinkMessage, type PolicyDescription } from '../wire/index.js';
import { genlAttributes } from './message.js';

/** Which policy (by index into `policies`) validates an op's do and dump requests. */
export interface OpPolicy {
  do?: number;
  dump?: number;
}

/**
 * A family's policies as CTRL_CMD_GETPOLICY dumps them: policy index → attribute type →
 * description (nested attributes name another index in `policyIdx`), and op → policy indexes.
 * Names follow nlctrl's spec (ctrl-attrs policy and op-policy).
 */
export interface GenlPolicy {
  familyId: number;
  policy: Map<number, Map<number, PolicyDescription>>;
  opPolicy: Map<number, OpPolicy>;
}

/** Folds one GETPOLICY reply message into `into`. */
export function addPolicyMessage(into: GenlPolicy, msg: NetlinkMessage): void {
  const tb = genlAttributes(msg).table();
  into.familyId = tb[C.CTRL_ATTR_FAMILY_ID]?.u16() ?? into.familyId;
  const pol = tb[C.CTRL_ATTR_POLICY];
  if (pol) {
    for (const idx of pol.nested()) {
      let table = into.policy.get(idx.type);
      if (!table) into.policy.set(idx.type, (table = new Map()));
      for (const attr of idx.nested()) {
        table.set(attr.type, decodePolicyDescription(attr.view, attr.offset, attr.offset + attr.length));
      }
    }
  }
  const ops = tb[C.CTRL_ATTR_OP_POLICY];
  if (ops) {
    for (const op of ops.nested()) {
      const a = op.nested();
      const entry: OpPolicy = into.opPolicy.get(op.type) ?? {};
      const d = a.u32(C.CTRL_ATTR_POLICY_DO);
      const u = a.u32(C.CTRL_ATTR_POLICY_DUMP);
      if (d !== undefined) entry.do = d;
      if (u !== undefined) entry.dump = u;
      into.opPolicy.set(op.type, entry);
    }
  }
}

export function emptyPolicy(): GenlPolicy {
  return { familyId: 0, policy: new Map(), opPolicy: new Map() };
}
