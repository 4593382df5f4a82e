export * from './backoff';
export * from './connection';
export * from './dead-letter';
export * from './jetstream-context';
export * from './message-processor';
export * from './provisioning';
export * from './relay';
export * from './transport';
