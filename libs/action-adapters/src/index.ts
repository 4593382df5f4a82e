export * from './action-adapter';
export * from './http-request-adapter';
export * from './http-request-parameters';
export * from './payment-transfer-adapter';
export * from './payment-transfer-parameters';
export * from './postgres-sql-adapter';
