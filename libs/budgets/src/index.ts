export * from './budget.js';
export * from './period-window.js';
