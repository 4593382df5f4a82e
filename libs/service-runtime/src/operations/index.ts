export * from './bus-metrics';
export * from './metrics';
export * from './readiness';
export * from './server';
export * from './service-operations';
export * from './store-metrics';
