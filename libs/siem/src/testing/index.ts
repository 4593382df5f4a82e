export * from './ocsf-validator';
export * from './audit-fixtures';
export * from './syslog-parse';
export * from './hec-receiver';
