export * from './child';
export * from './stack';
export * from './supervisor';
export * from './ssh-demo';
