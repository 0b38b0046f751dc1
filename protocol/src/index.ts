export * from './errors.js';
export * from './topics.js';
export * from './labels.js';
export * from './quantity.js';
export * from './messages.js';
export * from './codec.js';
export * from './objects/node.js';
export * from './objects/pod.js';
