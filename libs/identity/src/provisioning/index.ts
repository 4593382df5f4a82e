export * from './description';
export * from './home';
export * from './nats-config';
export * from './permissions';
export * from './provision';
export * from './slack-mapping';
