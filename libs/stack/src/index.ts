export * from './child';
export * from './stack';
export * from './supervisor';
