export * from './chain-check';
export * from './chain.types';
export * from './domain-event';
export * from './evidence';
export * from './execution.commands';
export * from './execution.decide';
export * from './execution.events';
export * from './execution.state';
