export * from './audit-log';
export * from './audit-receipt';
export * from './custody';
export * from './custody.collect';
export * from './custody.decider';
export * from './domain-event';
export * from './hash-chain';
export * from './recent-ids';
