/** instance-trace's package entry. */
export * from './logger/index.js';
