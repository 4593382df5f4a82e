export * from './card.commands';
export * from './card.decide';
export * from './card.events';
export * from './card.state';
