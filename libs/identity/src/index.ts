export * from './keys';
export * from './sealing';
export * from './signing';
export * from './trust-store';
export * from './provisioning';
export * from './key-standing';
export * from './trust-reload';
export * from './rotation';
