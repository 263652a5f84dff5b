export * from './catalog/schema';
export * from './config';
export * from './entities';
