export { startNotifier, type NotifierHandle, type StartNotifierOptions } from './start-notifier.js';
