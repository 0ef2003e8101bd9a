// Piscina worker entry: worker threads do not inherit tsx's loader from the main thread, so
// register it here, then hand Piscina the TypeScript task.
import { register } from 'tsx/esm/api';

register();
const { default: runSeedTask } = await import('./task.ts');
export default runSeedTask;
