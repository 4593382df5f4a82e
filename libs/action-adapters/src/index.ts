export * from './action-adapter';
export * from './http-request-adapter';
export * from './http-request-parameters';
