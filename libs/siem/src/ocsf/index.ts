export * from './ocsf';
export { renderOcsf } from './render';
