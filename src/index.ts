// nlkit: Netlink and Generic Netlink for Node.js.
export * from './wire/index.js';
export * from './socket/index.js';
export * from './genl/index.js';
export * from './route/index.js';
