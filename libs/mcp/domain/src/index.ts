export * from './catalog';
export * from './outcomes';
export * from './route-hint';
export * from './tool-arguments';
