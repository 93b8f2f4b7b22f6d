// Generic Netlink: the genl header and the nlctrl controller.
export * from './message.js';
export * from './family.js';
export * from './policy.js';
export { GenlController } from './controller.js';
