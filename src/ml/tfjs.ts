/**
 * The parts of TensorFlow.js we use, instead of the umbrella @tensorflow/tfjs (141 MB with
 * converter, data and webgl, none of which we call): tfjs-core, its pure-JS 'cpu' backend, and the
 * gradient functions. tfjs-core's Node build (dist/tf-core.node.js) registers no gradients; they
 * ship only as extension-less ES module files that Node cannot resolve, and as a copy inside the
 * Node builds of the umbrella and of tfjs-layers. Importing tfjs-layers registers them (the same
 * 4.22.0 code the umbrella registered), so tf.grad and the optimizers work; we call nothing else of it.
 * The wasm backend is imported separately (backend.ts), only where it is used.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
