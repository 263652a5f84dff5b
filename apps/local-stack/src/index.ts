export { prefix, prettyLine } from './log-stream';
