export * from './decider';
export * from './instants';
