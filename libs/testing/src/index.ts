export * from './free-port';
export * from './nats-server';
export * from './nats-cluster';
export * from './postgres-server';
export * from './rsyslog';
export * from './sshd';
export * from './wait';
