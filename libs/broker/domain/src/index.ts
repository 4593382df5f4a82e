export * from './audit-gate';
export * from './credential.commands';
export * from './credential.decide';
export * from './credential.events';
export * from './credential.state';
export * from './issuance-terms';
export * from './approval-recheck';
export * from './grant.decide';
