export * from './ssh-keygen';
export * from './ssh-user-ca';
export * from './ssh-secret';
export * from './ssh-ca-paths';
