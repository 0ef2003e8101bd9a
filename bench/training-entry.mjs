import { register } from 'tsx/esm/api';

register();
const { default: bench } = await import('./training-worker.ts');
export default bench;
