export * from './frontier';
export * from './hash';
export * from './tree';
export * from './verify';
