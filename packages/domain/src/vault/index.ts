export * from './rotate';
export * from './vault';
