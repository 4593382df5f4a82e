export * from './child';
export * from './stack';
