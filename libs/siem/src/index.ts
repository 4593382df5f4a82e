export * from './ocsf';
