// Which operation a message from the kernel that answers no request (a notification) stands
// for. Shared by the family object, which decodes notifications, and codegen, which types them.
import type { FamilySpec, Operation } from './model.js';

export interface NotificationKind {
  /** The name a notification of this message id carries: the operation it belongs to. */
  op: Operation;
  /** The operation whose message format decodes it (a `notify:` op borrows another's reply). */
  format: Operation;
}

/**
 * Message id (genl cmd or nlmsg_type) → what a notification with it is. Notification and event
 * operations come first; then operations whose replies use the id; and for netlink-raw families,
 * whose request and notification formats are the same message (RTM_DELLINK is both a request
 * and what the kernel multicasts when a link goes), operations whose requests use it.
 */
export function notificationKinds(spec: FamilySpec): Map<number, NotificationKind> {
  const out = new Map<number, NotificationKind>();
  const add = (value: number | undefined, kind: NotificationKind): void => {
    if (value !== undefined && !out.has(value)) out.set(value, kind);
  };
  for (const op of spec.operations) {
    if (op.notify !== undefined) add(op.replyValue, { op, format: spec.operationsByName.get(op.notify) ?? op });
    else if (op.event !== undefined) add(op.replyValue, { op, format: op });
  }
  for (const op of spec.operations) {
    if (op.notify === undefined && op.event === undefined) {
      add(op.do?.reply?.value, { op, format: op });
      add(op.dump?.reply?.value, { op, format: op });
    }
  }
  if (spec.protocol === 'netlink-raw') {
    for (const op of spec.operations) if (op.notify === undefined && op.event === undefined) add(op.requestValue, { op, format: op });
  }
  return out;
}
