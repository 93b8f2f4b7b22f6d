// The wire layer: bytes to values and back. Pure functions, no I/O.
export * from './constants.js';
export * from './errors.js';
export * from './errno.js';
export * from './message.js';
export * from './batch.js';
export * from './attributes.js';
export * from './writer.js';
export * from './extack.js';
export * from './policy-description.js';
export * from './policy.js';
