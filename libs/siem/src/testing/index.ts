export * from './ocsf-validator';
export * from './audit-fixtures';
