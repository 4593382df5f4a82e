export * from './bootstrap';
export * from './config';
export * from './dead-letters';
export * from './decision-runner';
export * from './domain-events';
export * from './runtime';
export * from './service-runtime.module';
export * from './due-work';
