/**
 * Hyper-parameter search on the calibration fold only (never dev): recall at the model's own
 * 1 % and 0.1 % operating points, per setting. `node --import tsx training/tune.ts [task…]`
 */
import { loadFiles, taskExamples, tasks, type Task } from './task-data.js';
import { defaultFit, trainTask } from './train-task.js';
import { Vectoriser } from './vectoriser.js';

const chosen = (process.argv.slice(2) as Task[]).filter((task) => tasks.includes(task));
const files = loadFiles();
const vectoriser = new Vectoriser();
for (const task of chosen.length > 0 ? chosen : tasks) {
  const examples = taskExamples(task, files);
  for (const epochs of [4, 8, 12]) {
    for (const learningRate of [0.1, 0.3, 1]) {
      for (const l2 of [1e-6, 1e-5]) {
        const trained = trainTask({ task, examples, vectoriser, seed: 7, fit: { ...defaultFit, epochs, learningRate, l2 } });
        const { warn, block } = trained.calibration;
        const recall = (c: typeof warn) => (c.tp / (c.tp + c.fn)).toFixed(3);
        const fpr = (c: typeof warn) => (c.fp / (c.fp + c.tn)).toFixed(4);
        console.log(`${task}\tepochs ${epochs}\tlr ${learningRate}\tl2 ${l2}\trecall@0.5 ${recall(warn)} fpr ${fpr(warn)}\trecall@0.8 ${recall(block)} fpr ${fpr(block)}`);
      }
    }
  }
}
