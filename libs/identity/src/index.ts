export * from './keys';
export * from './sealing';
export * from './signing';
export * from './trust-store';
export * from './provisioning';
