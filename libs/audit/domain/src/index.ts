export * from './audit-log';
export * from './custody';
export * from './custody.approval';
export * from './custody.collect';
export * from './custody.decider';
export * from './domain-event';
export * from './hash-chain';
export * from './recent-ids';
