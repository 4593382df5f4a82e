export * from './execution-token';
export * from './mint';
export * from './verify';
export * from './ssh';
